// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that each unary op maps to its deepc op and keeps the type.
// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<4xi1>) -> (tensor<?x8xf32>, tensor<4xi1>)
// CHECK: %[[A:.*]] = deepc.neg %[[X]] : tensor<?x8xf32>
// CHECK: %[[A1:.*]] = deepc.abs %[[A]]
// CHECK: %[[A2:.*]] = deepc.exp %[[A1]]
// CHECK: %[[A3:.*]] = deepc.log %[[A2]]
// CHECK: %[[A4:.*]] = deepc.sqrt %[[A3]]
// CHECK: %[[A5:.*]] = deepc.reciprocal %[[A4]]
// CHECK: %[[A6:.*]] = deepc.tanh %[[A5]]
// CHECK: %[[A7:.*]] = deepc.sigmoid %[[A6]]
// CHECK: %[[A8:.*]] = deepc.relu %[[A7]]
// CHECK: %[[A9:.*]] = deepc.erf %[[A8]]
// CHECK: %[[A10:.*]] = deepc.sin %[[A9]]
// CHECK: %[[A11:.*]] = deepc.cos %[[A10]]
// CHECK: %[[A12:.*]] = deepc.floor %[[A11]]
// CHECK: %[[A13:.*]] = deepc.ceil %[[A12]]
// CHECK: %[[N:.*]] = deepc.not %[[B]] : tensor<4xi1>
// CHECK: return %[[A13]], %[[N]] : tensor<?x8xf32>, tensor<4xi1>
// CHECK-NOT: onnx.
func.func @unary(%x: tensor<?x8xf32>, %b: tensor<4xi1>) -> (!onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Neg" version 13 (%x) : (tensor<?x8xf32>) -> !onnx.unknown
  %1 = onnx.node "Abs" version 13 (%0) : (!onnx.unknown) -> !onnx.unknown
  %2 = onnx.node "Exp" version 13 (%1) : (!onnx.unknown) -> !onnx.unknown
  %3 = onnx.node "Log" version 13 (%2) : (!onnx.unknown) -> !onnx.unknown
  %4 = onnx.node "Sqrt" version 13 (%3) : (!onnx.unknown) -> !onnx.unknown
  %5 = onnx.node "Reciprocal" version 13 (%4) : (!onnx.unknown) -> !onnx.unknown
  %6 = onnx.node "Tanh" version 13 (%5) : (!onnx.unknown) -> !onnx.unknown
  %7 = onnx.node "Sigmoid" version 13 (%6) : (!onnx.unknown) -> !onnx.unknown
  %8 = onnx.node "Relu" version 14 (%7) : (!onnx.unknown) -> !onnx.unknown
  %9 = onnx.node "Erf" version 13 (%8) : (!onnx.unknown) -> !onnx.unknown
  %10 = onnx.node "Sin" version 7 (%9) : (!onnx.unknown) -> !onnx.unknown
  %11 = onnx.node "Cos" version 7 (%10) : (!onnx.unknown) -> !onnx.unknown
  %12 = onnx.node "Floor" version 13 (%11) : (!onnx.unknown) -> !onnx.unknown
  %13 = onnx.node "Ceil" version 13 (%12) : (!onnx.unknown) -> !onnx.unknown
  %14 = onnx.node "Not" version 1 (%b) : (tensor<4xi1>) -> !onnx.unknown
  return %13, %14 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that the opset 6 versions of unary ops (same semantics) are
// accepted, and Relu from opset 6 to 14.
// CHECK-LABEL: func.func @unary_old_versions
// CHECK: deepc.neg
// CHECK: deepc.relu
// CHECK: deepc.relu
// CHECK-NOT: onnx.
func.func @unary_old_versions(%x: tensor<4xf32>) -> !onnx.unknown {
  %0 = onnx.node "Neg" version 6 (%x) : (tensor<4xf32>) -> !onnx.unknown
  %1 = onnx.node "Relu" version 6 (%0) : (!onnx.unknown) -> !onnx.unknown
  %2 = onnx.node "Relu" version 23 (%1) : (!onnx.unknown) -> !onnx.unknown
  return %2 : !onnx.unknown
}

// -----

// Tests that binary arithmetic broadcasts numpy-style and that the declared
// result types are kept when they agree.
// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x8xf32>, %[[B:.*]]: tensor<4x8xf32>)
// CHECK: %[[ADD:.*]] = deepc.add %[[A]], %[[B]] : tensor<2x1x8xf32>, tensor<4x8xf32>
// CHECK: %[[SUB:.*]] = deepc.sub %[[ADD]], %[[B]] : tensor<2x4x8xf32>, tensor<4x8xf32>
// CHECK: %[[MUL:.*]] = deepc.mul %[[SUB]], %[[A]]
// CHECK: %[[DIV:.*]] = deepc.div %[[MUL]], %[[B]]
// CHECK: %[[POW:.*]] = deepc.pow %[[DIV]], %[[A]]
// CHECK: return %[[POW]] : tensor<2x4x8xf32>
func.func @binary(%a: tensor<2x1x8xf32>, %b: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = onnx.node "Add" version 14 (%a, %b) : (tensor<2x1x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  %1 = onnx.node "Sub" version 7 (%0, %b) : (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  %2 = onnx.node "Mul" version 13 (%1, %a) : (tensor<2x4x8xf32>, tensor<2x1x8xf32>) -> tensor<*xf32>
  %3 = onnx.node "Div" version 14 (%2, %b) : (tensor<*xf32>, tensor<4x8xf32>) -> !onnx.unknown
  %4 = onnx.node "Pow" version 15 (%3, %a) : (!onnx.unknown, tensor<2x1x8xf32>) -> tensor<2x4x8xf32>
  return %4 : tensor<2x4x8xf32>
}

// -----

// Tests that an integer exponent of Pow is cast to the base's type.
// CHECK-LABEL: func.func @pow_int_exponent
// CHECK: %[[E:.*]] = deepc.cast %{{.*}} : tensor<i64> to tensor<f32>
// CHECK: deepc.pow %{{.*}}, %[[E]] : tensor<4xf32>, tensor<f32>
func.func @pow_int_exponent(%x: tensor<4xf32>, %e: tensor<si64>) -> !onnx.unknown {
  %0 = onnx.node "Pow" version 15 (%x, %e) : (tensor<4xf32>, tensor<si64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that comparisons produce i1 tensors and logic ops take them.
// CHECK-LABEL: func.func @compare_and_logic
// CHECK: %[[EQ:.*]] = deepc.equal %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>
// CHECK: %[[LT:.*]] = deepc.less %
// CHECK: %[[LE:.*]] = deepc.less_equal %
// CHECK: %[[GT:.*]] = deepc.greater %
// CHECK: %[[GE:.*]] = deepc.greater_equal %
// CHECK: %[[AND:.*]] = deepc.and %[[EQ]], %[[LT]] : tensor<4xi1>, tensor<4xi1>
// CHECK: %[[OR:.*]] = deepc.or %[[AND]], %[[LE]]
// CHECK: %[[XOR:.*]] = deepc.xor %[[OR]], %[[GT]]
// CHECK: deepc.and %[[XOR]], %[[GE]]
// CHECK-NOT: onnx.
func.func @compare_and_logic(%a: tensor<4xf32>, %b: tensor<4xf32>) -> !onnx.unknown {
  %0 = onnx.node "Equal" version 19 (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %1 = onnx.node "Less" version 13 (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %2 = onnx.node "LessOrEqual" version 16 (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %3 = onnx.node "Greater" version 13 (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %4 = onnx.node "GreaterOrEqual" version 12 (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %5 = onnx.node "And" version 7 (%0, %1) : (!onnx.unknown, !onnx.unknown) -> !onnx.unknown
  %6 = onnx.node "Or" version 7 (%5, %2) : (!onnx.unknown, !onnx.unknown) -> !onnx.unknown
  %7 = onnx.node "Xor" version 7 (%6, %3) : (!onnx.unknown, !onnx.unknown) -> !onnx.unknown
  %8 = onnx.node "And" version 7 (%7, %4) : (!onnx.unknown, !onnx.unknown) -> !onnx.unknown
  return %8 : !onnx.unknown
}

// -----

// Tests that variadic Max/Min/Sum fold left to right, a single input passes
// through, and Mean divides the sum by the input count.
// CHECK-LABEL: func.func @variadic
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[C:.*]]: tensor<1xf32>)
// CHECK: %[[M1:.*]] = deepc.max %[[A]], %[[B]]
// CHECK: %[[M2:.*]] = deepc.max %[[M1]], %[[C]]
// CHECK: %[[N:.*]] = deepc.min %[[M2]], %[[A]]
// CHECK: %[[S1:.*]] = deepc.add %[[N]], %[[A]]
// CHECK: %[[S2:.*]] = deepc.add %[[S1]], %[[B]]
// CHECK: %[[T:.*]] = deepc.add %[[S2]], %[[A]]
// CHECK: %[[THREE:.*]] = deepc.constant dense<2.000000e+00> : tensor<f32>
// CHECK: %[[MEAN:.*]] = deepc.div %[[T]], %[[THREE]]
// CHECK: return %[[MEAN]], %[[A]]
func.func @variadic(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<1xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Max" version 13 (%a, %b, %c) : (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> !onnx.unknown
  %1 = onnx.node "Min" version 8 (%0, %a) : (!onnx.unknown, tensor<4xf32>) -> !onnx.unknown
  %2 = onnx.node "Sum" version 13 (%1, %a, %b) : (!onnx.unknown, tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  %3 = onnx.node "Mean" version 13 (%2, %a) : (!onnx.unknown, tensor<4xf32>) -> !onnx.unknown
  %4 = onnx.node "Max" version 13 (%a) : (tensor<4xf32>) -> !onnx.unknown
  return %3, %4 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Where becomes a three-way broadcast select and Clip a max/min
// pair, skipping an omitted bound.
// CHECK-LABEL: func.func @where_clip
// CHECK: %[[S:.*]] = deepc.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8xi1>, tensor<4x8xf32>, tensor<f32>
// CHECK: %[[LO:.*]] = deepc.max %[[S]], %{{.*}} : tensor<4x8xf32>, tensor<f32>
// CHECK-NOT: deepc.min
// CHECK: return %[[LO]]
func.func @where_clip(%c: tensor<1x8xi1>, %x: tensor<4x8xf32>, %y: tensor<f32>) -> !onnx.unknown {
  %none = onnx.none
  %0 = onnx.node "Where" version 16 (%c, %x, %y) : (tensor<1x8xi1>, tensor<4x8xf32>, tensor<f32>) -> !onnx.unknown
  %1 = onnx.node "Clip" version 13 (%0, %y, %none) : (!onnx.unknown, tensor<f32>, none) -> !onnx.unknown
  return %1 : !onnx.unknown
}

// -----

// Tests that Gelu (opset 20) keeps its approximation.
// CHECK-LABEL: func.func @gelu
// CHECK: %[[E:.*]] = deepc.gelu %{{.*}} : tensor<4xf32>
// CHECK: deepc.gelu %[[E]] approximation = <tanh> : tensor<4xf32>
func.func @gelu(%x: tensor<4xf32>) -> !onnx.unknown {
  %0 = onnx.node "Gelu" version 20 (%x) : (tensor<4xf32>) -> !onnx.unknown
  %1 = onnx.node "Gelu" version 20 (%0) {approximate = "tanh"} : (!onnx.unknown) -> !onnx.unknown
  return %1 : !onnx.unknown
}

// -----

// Tests that integer arithmetic on constants folds (exporters' shape math),
// with broadcasting, and so do comparisons and Where of constants.
// CHECK-LABEL: func.func @fold_int_arith
// CHECK-DAG: %[[R:.*]] = deepc.constant dense<[8, 4]> : tensor<2xi64>
// CHECK-DAG: %[[E:.*]] = deepc.constant dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: %[[W:.*]] = deepc.constant dense<[3, 5]> : tensor<2xi64>
// CHECK-NOT: deepc.add
// CHECK-NOT: deepc.div
// CHECK: return %[[R]], %[[E]], %[[W]]
func.func @fold_int_arith() -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %a = onnx.constant dense<[8, 4]> : tensor<2xsi64>
  %b = onnx.constant dense<2> : tensor<si64>
  %c = onnx.constant dense<[3, 4]> : tensor<2xsi64>
  %d = onnx.constant dense<[5, 5]> : tensor<2xsi64>
  // [10, 6] / 2 * 2 - 2 = [8, 4]
  %0 = onnx.node "Add" version 14 (%a, %b) : (tensor<2xsi64>, tensor<si64>) -> !onnx.unknown
  %1 = onnx.node "Div" version 14 (%0, %b) : (!onnx.unknown, tensor<si64>) -> !onnx.unknown
  %2 = onnx.node "Mul" version 14 (%1, %b) : (!onnx.unknown, tensor<si64>) -> !onnx.unknown
  %3 = onnx.node "Sub" version 14 (%2, %b) : (!onnx.unknown, tensor<si64>) -> !onnx.unknown
  %4 = onnx.node "Max" version 13 (%3, %c) : (!onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %5 = onnx.node "Equal" version 13 (%4, %c) : (!onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %6 = onnx.node "Where" version 16 (%5, %d, %c) : (!onnx.unknown, tensor<2xsi64>, tensor<2xsi64>) -> !onnx.unknown
  return %4, %5, %6 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that IsNaN is not(equal(x, x)), exact since NaN is the only value
// not equal to itself; and that comparisons and Max of sums of dims fold
// (seq + 1 <= seq is false, max(seq, seq + 1) - seq is 1).
// CHECK-LABEL: func.func @is_nan
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK: %[[E:.*]] = deepc.equal %[[X]], %[[X]] : tensor<?x8xf32>, tensor<?x8xf32>
// CHECK: %[[N:.*]] = deepc.not %[[E]] : tensor<?x8xi1>
// CHECK-DAG: %[[F:.*]] = deepc.constant dense<false> : tensor<1xi1>
// CHECK-DAG: %[[T:.*]] = deepc.constant dense<true> : tensor<1xi1>
// CHECK-DAG: %[[ONE:.*]] = deepc.constant dense<1> : tensor<1xi64>
// CHECK: return %[[N]], %[[F]], %[[T]], %[[ONE]]
func.func @is_nan(%x: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "IsNaN" version 20 (%x) : (tensor<?x8xf32>) -> !onnx.unknown
  %one = onnx.constant dense<1> : tensor<1xsi64>
  %s = onnx.node "Shape" version 15 (%x) {end = 1 : i64} : (tensor<?x8xf32>) -> tensor<1xsi64>
  %p = onnx.node "Add" version 14 (%s, %one) : (tensor<1xsi64>, tensor<1xsi64>) -> tensor<1xsi64>
  %m = onnx.node "Max" version 13 (%s, %p) : (tensor<1xsi64>, tensor<1xsi64>) -> tensor<1xsi64>
  %le = onnx.node "LessOrEqual" version 16 (%p, %s) : (tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  %ge = onnx.node "GreaterOrEqual" version 16 (%m, %s) : (tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  %r = onnx.node "Sub" version 14 (%m, %s) : (tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  return %0, %le, %ge, %r : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Mod keeps its sign convention in deepc.mod's fmod flag and
// broadcasts: fmod = 0 (floor-mod) for integers, fmod = 1 for floats.
// CHECK-LABEL: func.func @mod
// CHECK: deepc.mod %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<3xi32>
// CHECK: deepc.mod %{{.*}}, %{{.*}} fmod = true : tensor<2x3xi32>, tensor<3xi32>
// CHECK: deepc.mod %{{.*}}, %{{.*}} fmod = true : tensor<?x4xf16>, tensor<f16>
// CHECK-NOT: onnx.
func.func @mod(%i: tensor<2x3xsi32>, %j: tensor<3xsi32>, %x: tensor<?x4xf16>, %y: tensor<f16>)
    -> (tensor<2x3xsi32>, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Mod" version 10 (%i, %j) : (tensor<2x3xsi32>, tensor<3xsi32>) -> tensor<2x3xsi32>
  %1 = onnx.node "Mod" version 13 (%i, %j) {fmod = 1 : i64} : (tensor<2x3xsi32>, tensor<3xsi32>) -> !onnx.unknown
  %2 = onnx.node "Mod" version 13 (%x, %y) {fmod = 1 : i64} : (tensor<?x4xf16>, tensor<f16>) -> !onnx.unknown
  return %0, %1, %2 : tensor<2x3xsi32>, !onnx.unknown, !onnx.unknown
}
