// RUN: deepc %S/Inputs/types.onnx --emit=onnx | FileCheck %s

// Tests that every ONNX data type maps to its element type (integers keep
// their signedness, bool is i1), that static dims stay static, symbolic and
// unknown dims become `?` with their names in `onnx.dim_params`, and that
// graph inputs and outputs keep their names.

// CHECK: module attributes {onnx.graph_name = "types", onnx.ir_version = 8 : i64, onnx.opset_imports = {ai.onnx = 17 : i64}, onnx.producer = "deepc-tests 1"}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<2x3xf32> {onnx.name = "f32"}
// CHECK-SAME: %arg1: tensor<2x3xf16> {onnx.name = "f16"}
// CHECK-SAME: %arg2: tensor<2x3xbf16> {onnx.name = "bf16"}
// CHECK-SAME: %arg3: tensor<2x3xf64> {onnx.name = "f64"}
// CHECK-SAME: %arg4: tensor<2x3xsi8> {onnx.name = "i8"}
// CHECK-SAME: %arg5: tensor<2x3xsi16> {onnx.name = "i16"}
// CHECK-SAME: %arg6: tensor<2x3xsi32> {onnx.name = "i32"}
// CHECK-SAME: %arg7: tensor<2x3xsi64> {onnx.name = "i64"}
// CHECK-SAME: %arg8: tensor<2x3xui8> {onnx.name = "u8"}
// CHECK-SAME: %arg9: tensor<2x3xui16> {onnx.name = "u16"}
// CHECK-SAME: %arg10: tensor<2x3xui32> {onnx.name = "u32"}
// CHECK-SAME: %arg11: tensor<2x3xui64> {onnx.name = "u64"}
// CHECK-SAME: %arg12: tensor<2x3xi1> {onnx.name = "b"}
// CHECK-SAME: %arg13: tensor<2x3xcomplex<f32>> {onnx.name = "c64"}
// CHECK-SAME: %arg14: tensor<2x3xcomplex<f64>> {onnx.name = "c128"}
// CHECK-SAME: %arg15: tensor<2x3xf8E4M3FN> {onnx.name = "f8e4m3fn"}
// CHECK-SAME: %arg16: tensor<2x3xf8E4M3FNUZ> {onnx.name = "f8e4m3fnuz"}
// CHECK-SAME: %arg17: tensor<2x3xf8E5M2> {onnx.name = "f8e5m2"}
// CHECK-SAME: %arg18: tensor<2x3xf8E5M2FNUZ> {onnx.name = "f8e5m2fnuz"}
// CHECK-SAME: %arg19: tensor<2x3xui4> {onnx.name = "u4"}
// CHECK-SAME: %arg20: tensor<2x3xsi4> {onnx.name = "i4"}
// CHECK-SAME: %arg21: tensor<?x?xsi64> {onnx.dim_params = ["batch", "seq"], onnx.name = "tokens"}
// CHECK-SAME: %arg22: tensor<?x?x64xf32> {onnx.dim_params = ["batch", "", ""], onnx.name = "hidden"}
// CHECK-SAME: %arg23: tensor<f32> {onnx.name = "scalar"}
// CHECK-SAME: %arg24: tensor<*xf32> {onnx.name = "unranked"}
// CHECK-SAME: -> (tensor<2x3xf32> {onnx.name = "f32_out"},
// CHECK-SAME: tensor<?x?x64xf32> {onnx.dim_params = ["batch", "", ""], onnx.name = "sum"}, tensor<*xf32> {onnx.name = "neg"})

// CHECK: onnx.node "Identity" version 17 (%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: onnx.node "Identity" version 17 (%arg20) : (tensor<2x3xsi4>) -> tensor<2x3xsi4>
// CHECK: onnx.node "Shape" version 17 (%arg21) : (tensor<?x?xsi64>) -> tensor<2xsi64>
// CHECK: onnx.node "Add" version 17 (%arg22, %arg23) : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
// CHECK: onnx.node "Neg" version 17 (%arg24) : (tensor<*xf32>) -> tensor<*xf32>
