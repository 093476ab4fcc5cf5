// RUN: deepc-opt %s -split-input-file -deepc-simplify-attention-mask | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-simplify-attention-mask=report=true -verify-diagnostics > /dev/null

// Tests that the transformers-5 causal mask (packed-sequence ids that a
// position Range makes all equal, and k <= q), as an additive 0 / -FLT_MAX
// mask, becomes the causal attribute.
// CHECK-LABEL: func @packed_sequence_causal
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64}
func.func @packed_sequence_causal(%arg0: tensor<?x?xi64>, %q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
    %6 = deepc.constant dense<1> : tensor<2xi64>
    %7 = deepc.constant dense<1> : tensor<1xi64>
    %10 = deepc.constant dense<0> : tensor<i64>
    %11 = deepc.constant dense<1> : tensor<i64>
    %12 = deepc.constant dense<true> : tensor<i1>
    %31 = deepc.constant dense<0.000000e+00> : tensor<f32>
    %32 = deepc.constant dense<-3.40282347E+38> : tensor<f32>
    %33 = deepc.shape_of %arg0 : tensor<?x?xi64>
    %34 = deepc.slice %33 axes = [0] starts = [0] ends = [1] steps = [1] : tensor<2xi64>
    %35 = deepc.reshape %34 : tensor<1xi64> -> tensor<i64>
    %36 = deepc.slice %33 axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
    %37 = deepc.reshape %36 : tensor<1xi64> -> tensor<i64>
    %39 = deepc.range %10, %37, %11 : tensor<i64> -> tensor<?xi64>
    %40 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x?xi64>
    %41 = deepc.expand %40 shape %33 : tensor<1x?xi64>, tensor<2xi64> -> tensor<?x?xi64>
    %42 = deepc.slice %41 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x?xi64>
    %43 = deepc.reshape %42 : tensor<?x?xi64> -> tensor<?x1xi64>
    %44 = deepc.sub %43, %11 : tensor<?x1xi64>, tensor<i64>
    %45 = deepc.concat %44, %41 axis = 1 : tensor<?x1xi64>, tensor<?x?xi64>
    %46 = deepc.slice %45 axes = [1] starts = [0] ends = [-1] steps = [1] : tensor<?x?xi64>
    %47 = deepc.slice %45 axes = [1] starts = [1] ends = [9223372036854775807] steps = [1] : tensor<?x?xi64>
    %48 = deepc.sub %47, %46 : tensor<?x?xi64>, tensor<?x?xi64>
    %49 = deepc.equal %48, %11 : tensor<?x?xi64>, tensor<i64>
    %50 = deepc.not %49 : tensor<?x?xi1>
    %51 = deepc.cast %50 : tensor<?x?xi1> to tensor<?x?xi64>
    %52 = deepc.cumsum %51 axis = 1 : tensor<?x?xi64>
    %53 = deepc.range %10, %35, %11 : tensor<i64> -> tensor<?xi64>
    %54 = deepc.reshape %53 : tensor<?xi64> -> tensor<?x1x1x1xi64>
    %55 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x1x?x1xi64>
    %56 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x1x1x?xi64>
    %57 = deepc.concat %34, %7, %36, %7 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
    %58 = deepc.expand %54 shape %57 : tensor<?x1x1x1xi64>, tensor<4xi64> -> tensor<?x1x?x1xi64>
    %59 = deepc.concat %34, %7, %36, %6 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<2xi64>
    %60 = deepc.reshape %58 shape %59 : tensor<?x1x?x1xi64>, tensor<5xi64> -> tensor<?x1x?x1x1xi64>
    %61 = deepc.expand %55 shape %57 : tensor<1x1x?x1xi64>, tensor<4xi64> -> tensor<?x1x?x1xi64>
    %62 = deepc.reshape %61 shape %59 : tensor<?x1x?x1xi64>, tensor<5xi64> -> tensor<?x1x?x1x1xi64>
    %63 = deepc.concat %60, %62 axis = 4 : tensor<?x1x?x1x1xi64>, tensor<?x1x?x1x1xi64>
    %64 = deepc.gather_nd %52[%63] : tensor<?x?xi64>, tensor<?x1x?x1x2xi64>
    %65 = deepc.concat %34, %6, %36 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>
    %66 = deepc.expand %54 shape %65 : tensor<?x1x1x1xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
    %67 = deepc.concat %34, %6, %36, %7 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
    %68 = deepc.reshape %66 shape %67 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
    %69 = deepc.expand %56 shape %65 : tensor<1x1x1x?xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
    %70 = deepc.reshape %69 shape %67 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
    %71 = deepc.concat %68, %70 axis = 4 : tensor<?x1x1x?x1xi64>, tensor<?x1x1x?x1xi64>
    %72 = deepc.gather_nd %52[%71] : tensor<?x?xi64>, tensor<?x1x1x?x2xi64>
    %73 = deepc.equal %64, %72 : tensor<?x1x?x1xi64>, tensor<?x1x1x?xi64>
    %74 = deepc.and %73, %12 : tensor<?x1x?x?xi1>, tensor<i1>
    %75 = deepc.gather_nd %41[%63] : tensor<?x?xi64>, tensor<?x1x?x1x2xi64>
    %76 = deepc.gather_nd %41[%71] : tensor<?x?xi64>, tensor<?x1x1x?x2xi64>
    %77 = deepc.less_equal %76, %75 : tensor<?x1x1x?xi64>, tensor<?x1x?x1xi64>
    %78 = deepc.and %74, %77 : tensor<?x1x?x?xi1>, tensor<?x1x?x?xi1>
    %133 = deepc.select %78, %31, %32 : tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>
    // expected-remark @+1 {{raised mask to causal}}
    %r = deepc.attention %q, %k, %v mask %133 : tensor<?x1x?x?xf32> {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
    return %r : tensor<?x4x?x16xf32>
}

// -----

// Tests that Mistral's sliding window (k > q - 8 and k <= q) becomes
// causal with window_left = 7: p(i) - j > 7 drops.
// CHECK-LABEL: func @sliding_window
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, window_left = 7 : i64}
func.func @sliding_window(%x: tensor<?x?xi64>, %q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %eight = deepc.constant dense<8> : tensor<i64>
  %keep = deepc.constant dense<0.0> : tensor<f32>
  %drop = deepc.constant dense<0xFF800000> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x?xi64>
  %s1 = deepc.slice %shape axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %s = deepc.reshape %s1 : tensor<1xi64> -> tensor<i64>
  %pos = deepc.range %zero, %s, %one : tensor<i64> -> tensor<?xi64>
  %qpos = deepc.reshape %pos : tensor<?xi64> -> tensor<?x1xi64>
  %kpos = deepc.reshape %pos : tensor<?xi64> -> tensor<1x?xi64>
  %lo = deepc.sub %qpos, %eight : tensor<?x1xi64>, tensor<i64>
  %inside = deepc.greater %kpos, %lo : tensor<1x?xi64>, tensor<?x1xi64>
  %past = deepc.less_equal %kpos, %qpos : tensor<1x?xi64>, tensor<?x1xi64>
  %both = deepc.and %inside, %past : tensor<?x?xi1>, tensor<?x?xi1>
  %mask = deepc.select %both, %keep, %drop : tensor<?x?xi1>, tensor<f32>, tensor<f32>
  // expected-remark @+1 {{raised mask to causal, window_left = 7}}
  %r = deepc.attention %q, %k, %v mask %mask : tensor<?x?xf32> {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  return %r : tensor<?x4x?x16xf32>
}

// -----

// Tests that a bidirectional window |i - j| <= 2 or-ed with the first two
// tokens as global ones (an i1 mask) becomes window_left/right = 2 and
// num_global_tokens = 2.
// CHECK-LABEL: func @local_global
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {num_global_tokens = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, window_left = 2 : i64, window_right = 2 : i64}
func.func @local_global(%x: tensor<?x?x64xf32>, %q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %two = deepc.constant dense<2> : tensor<i64>
  %shape = deepc.shape_of %x : tensor<?x?x64xf32>
  %s1 = deepc.slice %shape axes = [0] starts = [1] ends = [2] steps = [1] : tensor<3xi64>
  %s = deepc.reshape %s1 : tensor<1xi64> -> tensor<i64>
  %pos = deepc.range %zero, %s, %one : tensor<i64> -> tensor<?xi64>
  %qpos = deepc.reshape %pos : tensor<?xi64> -> tensor<?x1xi64>
  %kpos = deepc.reshape %pos : tensor<?xi64> -> tensor<1x?xi64>
  %diff = deepc.sub %qpos, %kpos : tensor<?x1xi64>, tensor<1x?xi64>
  %dist = deepc.abs %diff : tensor<?x?xi64>
  %near = deepc.less_equal %dist, %two : tensor<?x?xi64>, tensor<i64>
  %gq = deepc.less %qpos, %two : tensor<?x1xi64>, tensor<i64>
  %a = deepc.or %near, %gq : tensor<?x?xi1>, tensor<?x1xi1>
  %gk = deepc.less %kpos, %two : tensor<1x?xi64>, tensor<i64>
  %allowed = deepc.or %a, %gk : tensor<?x?xi1>, tensor<1x?xi1>
  // expected-remark @+1 {{raised mask to window_left = 2, window_right = 2, num_global_tokens = 2}}
  %r = deepc.attention %q, %k, %v mask %allowed : tensor<?x?xi1> {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  return %r : tensor<?x4x?x16xf32>
}

// -----

// Tests that trilu of an all-true matrix (lower triangle) is causal.
// CHECK-LABEL: func @trilu_lower_causal
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @trilu_lower_causal(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones lower : tensor<8x8xi1>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %tri : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that the TorchScript form, triu(ones, 1) == 1 ? -inf : 0, is causal.
// CHECK-LABEL: func @triu_float_causal
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @triu_float_causal(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<1.0> : tensor<8x8xf32>
  %one = deepc.constant dense<1.0> : tensor<f32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %ninf = deepc.constant dense<0xFF800000> : tensor<f32>
  %triu = deepc.trilu %ones k = 1 : tensor<8x8xf32>
  %future = deepc.equal %triu, %one : tensor<8x8xf32>, tensor<f32>
  %mask = deepc.select %future, %ninf, %zero : tensor<8x8xi1>, tensor<f32>, tensor<f32>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %mask : tensor<8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that a causal mask on an op that already has window_left keeps it.
// CHECK-LABEL: func @existing_window
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 3 : i64}
func.func @existing_window(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones lower : tensor<8x8xi1>
  // expected-remark @+1 {{raised mask to causal, window_left = 3}}
  %r = deepc.attention %q, %k, %v mask %tri : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 3 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that BERT's mask, (q >= 0) and padding[b, k], keeps only the
// run-time padding factor as an i1 mask and sets no attribute.
// CHECK-LABEL: func @padding_only
// CHECK-SAME: %[[PAD:[^:]*]]: tensor<?x?xi64>
// CHECK: %[[KEEP:.*]] = deepc.gather_nd
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} mask %[[KEEP]] : tensor<?x1x1x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @padding_only(%ids: tensor<?x?xi64>, %pad: tensor<?x?xi64>, %q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %4 = deepc.constant dense<1> : tensor<2xi64>
  %5 = deepc.constant dense<1> : tensor<1xi64>
  %14 = deepc.constant dense<0> : tensor<i64>
  %15 = deepc.constant dense<1> : tensor<i64>
  %16 = deepc.constant dense<true> : tensor<i1>
  %31 = deepc.constant dense<0.0> : tensor<f32>
  %32 = deepc.constant dense<-3.40282347E+38> : tensor<f32>
  %35 = deepc.shape_of %ids : tensor<?x?xi64>
  %36 = deepc.slice %35 axes = [0] starts = [0] ends = [1] steps = [1] : tensor<2xi64>
  %37 = deepc.reshape %36 : tensor<1xi64> -> tensor<i64>
  %38 = deepc.slice %35 axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %39 = deepc.reshape %38 : tensor<1xi64> -> tensor<i64>
  %56 = deepc.cast %pad : tensor<?x?xi64> to tensor<?x?xi1>
  %57 = deepc.range %14, %37, %15 : tensor<i64> -> tensor<?xi64>
  %58 = deepc.range %14, %39, %15 : tensor<i64> -> tensor<?xi64>
  %59 = deepc.reshape %57 : tensor<?xi64> -> tensor<?x1x1x1xi64>
  %60 = deepc.reshape %58 : tensor<?xi64> -> tensor<1x1x?x1xi64>
  %61 = deepc.reshape %58 : tensor<?xi64> -> tensor<1x1x1x?xi64>
  %62 = deepc.greater_equal %60, %14 : tensor<1x1x?x1xi64>, tensor<i64>
  %63 = deepc.and %62, %16 : tensor<1x1x?x1xi1>, tensor<i1>
  %64 = deepc.concat %36, %4, %38 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>
  %65 = deepc.expand %59 shape %64 : tensor<?x1x1x1xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
  %66 = deepc.concat %36, %4, %38, %5 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
  %67 = deepc.reshape %65 shape %66 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
  %68 = deepc.expand %61 shape %64 : tensor<1x1x1x?xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
  %69 = deepc.reshape %68 shape %66 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
  %70 = deepc.concat %67, %69 axis = 4 : tensor<?x1x1x?x1xi64>, tensor<?x1x1x?x1xi64>
  %71 = deepc.gather_nd %56[%70] : tensor<?x?xi1>, tensor<?x1x1x?x2xi64>
  %72 = deepc.and %63, %71 : tensor<1x1x?x1xi1>, tensor<?x1x1x?xi1>
  %91 = deepc.select %72, %31, %32 : tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>
  // expected-remark @+1 {{raised mask to its run-time factor alone, an i1 mask (no causal or window attribute)}}
  %r = deepc.attention %q, %k, %v mask %91 : tensor<?x1x?x?xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  return %r : tensor<?x4x?x16xf32>
}

// -----

// Tests that a causal mask and-ed with a run-time key padding mask becomes
// the causal attribute plus the padding factor.
// CHECK-LABEL: func @causal_and_padding
// CHECK-SAME: %[[PAD:[^:]*]]: tensor<1x8xi1>
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} mask %[[PAD]] : tensor<1x8xi1> {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @causal_and_padding(%pad: tensor<1x8xi1>, %q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones lower : tensor<8x8xi1>
  %mask = deepc.and %tri, %pad : tensor<8x8xi1>, tensor<1x8xi1>
  // expected-remark @+1 {{raised mask to causal, keeping its run-time factor as an i1 mask}}
  %r = deepc.attention %q, %k, %v mask %mask : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that k < q (the diagonal dropped) is left alone: no attribute drops
// a query's own position.
// CHECK-LABEL: func @strictly_past
// CHECK: deepc.attention {{.*}} mask
func.func @strictly_past(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones lower k = -1 : tensor<8x8xi1>
  // expected-remark @+1 {{mask not simplified: the mask drops a query's own position}}
  %r = deepc.attention %q, %k, %v mask %tri : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that k <= q over query and key positions of different lengths
// (Sq from one input, Skv from another) is left alone: the op places query
// i at Skv - Sq + i, which the mask does not.
// CHECK-LABEL: func @different_lengths
// CHECK: deepc.attention {{.*}} mask
func.func @different_lengths(%x: tensor<?x?xi64>, %y: tensor<?x?xi64>, %q: tensor<1x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %xs = deepc.shape_of %x : tensor<?x?xi64>
  %ys = deepc.shape_of %y : tensor<?x?xi64>
  %sq1 = deepc.slice %xs axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %skv1 = deepc.slice %ys axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %sq = deepc.reshape %sq1 : tensor<1xi64> -> tensor<i64>
  %skv = deepc.reshape %skv1 : tensor<1xi64> -> tensor<i64>
  %qr = deepc.range %zero, %sq, %one : tensor<i64> -> tensor<?xi64>
  %kr = deepc.range %zero, %skv, %one : tensor<i64> -> tensor<?xi64>
  %qpos = deepc.reshape %qr : tensor<?xi64> -> tensor<?x1xi64>
  %kpos = deepc.reshape %kr : tensor<?xi64> -> tensor<1x?xi64>
  %past = deepc.less_equal %kpos, %qpos : tensor<1x?xi64>, tensor<?x1xi64>
  // expected-remark @+1 {{mask not simplified: cannot prove that the mask's query and key dimensions have the same length}}
  %r = deepc.attention %q, %k, %v mask %past : tensor<?x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// Tests that k <= 2q, not a difference of positions, is left alone.
// CHECK-LABEL: func @scaled_position
// CHECK: deepc.attention {{.*}} mask
func.func @scaled_position(%x: tensor<?x?xi64>, %q: tensor<1x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %two = deepc.constant dense<2> : tensor<i64>
  %xs = deepc.shape_of %x : tensor<?x?xi64>
  %s1 = deepc.slice %xs axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %s = deepc.reshape %s1 : tensor<1xi64> -> tensor<i64>
  %pos = deepc.range %zero, %s, %one : tensor<i64> -> tensor<?xi64>
  %qpos = deepc.reshape %pos : tensor<?xi64> -> tensor<?x1xi64>
  %kpos = deepc.reshape %pos : tensor<?xi64> -> tensor<1x?xi64>
  %q2 = deepc.mul %qpos, %two : tensor<?x1xi64>, tensor<i64>
  %m = deepc.less_equal %kpos, %q2 : tensor<1x?xi64>, tensor<?x1xi64>
  // expected-remark @+1 {{mask not simplified: the mask compares positions other than the query, the key or their difference with a constant}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<?x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// Tests that a window with a hole (|i - j| != 1) is left alone.
// CHECK-LABEL: func @window_with_hole
// CHECK: deepc.attention {{.*}} mask
func.func @window_with_hole(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %one = deepc.constant dense<1> : tensor<i64>
  %pos = deepc.constant dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi64>
  %zero = deepc.constant dense<0> : tensor<i64>
  %eight = deepc.constant dense<8> : tensor<i64>
  %r8 = deepc.range %zero, %eight, %one : tensor<i64> -> tensor<8xi64>
  %qpos = deepc.reshape %r8 : tensor<8xi64> -> tensor<8x1xi64>
  %kpos = deepc.reshape %r8 : tensor<8xi64> -> tensor<1x8xi64>
  %diff = deepc.sub %qpos, %kpos : tensor<8x1xi64>, tensor<1x8xi64>
  %dist = deepc.abs %diff : tensor<8x8xi64>
  %adjacent = deepc.equal %dist, %one : tensor<8x8xi64>, tensor<i64>
  %m = deepc.not %adjacent : tensor<8x8xi1>
  // expected-remark @+1 {{mask not simplified: the mask is not a causal, sliding-window or global-token pattern}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that an additive mask of 0 / -1 (a bias, not a drop) is left alone.
// CHECK-LABEL: func @finite_bias
// CHECK: deepc.attention {{.*}} mask
func.func @finite_bias(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones lower : tensor<8x8xi1>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %minus = deepc.constant dense<-1.0> : tensor<f32>
  %m = deepc.select %tri, %zero, %minus : tensor<8x8xi1>, tensor<f32>, tensor<f32>
  // expected-remark @+1 {{mask not simplified: the additive mask adds values other than 0 and -inf}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that a mask read from a function argument is left alone.
// CHECK-LABEL: func @runtime_mask
// CHECK: deepc.attention {{.*}} mask
func.func @runtime_mask(%m: tensor<1x1x8x8xf32>, %q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-remark @+1 {{mask not simplified: it depends on a function argument (run-time data)}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<1x1x8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that a mask that compares the batch index with the query's
// position is left alone.
// CHECK-LABEL: func @batch_dependent
// CHECK: deepc.attention {{.*}} mask
func.func @batch_dependent(%q: tensor<4x4x4x16xf32>, %k: tensor<4x4x4x16xf32>, %v: tensor<4x4x4x16xf32>) -> tensor<4x4x4x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %four = deepc.constant dense<4> : tensor<i64>
  %r4 = deepc.range %zero, %four, %one : tensor<i64> -> tensor<4xi64>
  %b = deepc.reshape %r4 : tensor<4xi64> -> tensor<4x1x1x1xi64>
  %qpos = deepc.reshape %r4 : tensor<4xi64> -> tensor<1x1x4x1xi64>
  %m = deepc.less_equal %b, %qpos : tensor<4x1x1x1xi64>, tensor<1x1x4x1xi64>
  // expected-remark @+1 {{mask not simplified: the mask compares positions other than the query, the key or their difference with a constant}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<4x1x4x1xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<4x4x4x16xf32>, tensor<4x4x4x16xf32>, tensor<4x4x4x16xf32>
  return %r : tensor<4x4x4x16xf32>
}

// -----

// Tests that trilu of an all-true [S, S] made by expand at run time is
// causal: both extents are the same shape_of dimension.
// CHECK-LABEL: func @dynamic_trilu
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @dynamic_trilu(%x: tensor<?x?xi64>, %q: tensor<1x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %t = deepc.constant dense<true> : tensor<i1>
  %xs = deepc.shape_of %x : tensor<?x?xi64>
  %s1 = deepc.slice %xs axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
  %ss = deepc.concat %s1, %s1 axis = 0 : tensor<1xi64>, tensor<1xi64>
  %ones = deepc.expand %t shape %ss : tensor<i1>, tensor<2xi64> -> tensor<?x?xi1>
  %tri = deepc.trilu %ones lower : tensor<?x?xi1>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %tri : tensor<?x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// Tests the HF-style additive form (1 - tril(ones)) * finfo.min.
// CHECK-LABEL: func @one_minus_times_min
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @one_minus_times_min(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<1.0> : tensor<8x8xf32>
  %one = deepc.constant dense<1.0> : tensor<f32>
  %low = deepc.constant dense<-3.40282347E+38> : tensor<f32>
  %tril = deepc.trilu %ones lower : tensor<8x8xf32>
  %inv = deepc.sub %one, %tril : tensor<f32>, tensor<8x8xf32>
  %m = deepc.mul %inv, %low : tensor<8x8xf32>, tensor<f32>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that dropping 3 < |k - q| or k > q is causal with window_left = 3.
// CHECK-LABEL: func @drop_far_or_future
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 3 : i64}
func.func @drop_far_or_future(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %three = deepc.constant dense<3> : tensor<i64>
  %eight = deepc.constant dense<8> : tensor<i64>
  %r8 = deepc.range %zero, %eight, %one : tensor<i64> -> tensor<8xi64>
  %qpos = deepc.reshape %r8 : tensor<8xi64> -> tensor<8x1xi64>
  %kpos = deepc.reshape %r8 : tensor<8xi64> -> tensor<1x8xi64>
  %diff = deepc.sub %kpos, %qpos : tensor<1x8xi64>, tensor<8x1xi64>
  %dist = deepc.abs %diff : tensor<8x8xi64>
  %far = deepc.less %three, %dist : tensor<i64>, tensor<8x8xi64>
  %future = deepc.greater %kpos, %qpos : tensor<1x8xi64>, tensor<8x1xi64>
  %drop = deepc.or %far, %future : tensor<8x8xi1>, tensor<8x8xi1>
  %ninf = deepc.constant dense<0xFF800000> : tensor<f32>
  %z = deepc.constant dense<0.0> : tensor<f32>
  %m = deepc.select %drop, %ninf, %z : tensor<8x8xi1>, tensor<f32>, tensor<f32>
  // expected-remark @+1 {{raised mask to causal, window_left = 3}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that the upper triangle (j >= i: the future and the diagonal) is
// not mistaken for causal: it is window_left = 0.
// CHECK-LABEL: func @upper_triangle
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 0 : i64}
func.func @upper_triangle(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %ones = deepc.constant dense<true> : tensor<8x8xi1>
  %tri = deepc.trilu %ones : tensor<8x8xi1>
  // expected-remark @+1 {{raised mask to window_left = 0}}
  %r = deepc.attention %q, %k, %v mask %tri : tensor<8x8xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that an all-zero additive mask is dropped and the op's existing
// attributes stay.
// CHECK-LABEL: func @all_visible
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @all_visible(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %z = deepc.constant dense<0.0> : tensor<1x1x8x8xf32>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %z : tensor<1x1x8x8xf32> {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}

// -----

// Tests that a mask folded to a constant table (static shapes) is read
// pair by pair: |i - j| <= 1 or a global first token.
// CHECK-LABEL: func @constant_local_global
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {num_global_tokens = 1 : i64, num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 1 : i64, window_right = 1 : i64}
func.func @constant_local_global(%q: tensor<1x4x6x16xf32>, %k: tensor<1x4x6x16xf32>, %v: tensor<1x4x6x16xf32>) -> tensor<1x4x6x16xf32> {
  %m = deepc.constant dense<[[true, true, true, true, true, true], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, false, true, true, true, false], [true, false, false, true, true, true], [true, false, false, false, true, true]]> : tensor<6x6xi1>
  // expected-remark @+1 {{raised mask to window_left = 1, window_right = 1, num_global_tokens = 1}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<6x6xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x6x16xf32>, tensor<1x4x6x16xf32>, tensor<1x4x6x16xf32>
  return %r : tensor<1x4x6x16xf32>
}

// -----

// Tests a constant additive causal table.
// CHECK-LABEL: func @constant_causal
// CHECK: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
func.func @constant_causal(%q: tensor<1x4x5x16xf32>, %k: tensor<1x4x5x16xf32>, %v: tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32> {
  %m = deepc.constant dense<[[[[0.0, 0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x5x5xf32>
  // expected-remark @+1 {{raised mask to causal}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<1x1x5x5xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x5x16xf32>, tensor<1x4x5x16xf32>, tensor<1x4x5x16xf32>
  return %r : tensor<1x4x5x16xf32>
}

// -----

// Tests that a constant checkerboard table is left alone.
// CHECK-LABEL: func @constant_checkerboard
// CHECK: deepc.attention {{.*}} mask
func.func @constant_checkerboard(%q: tensor<1x4x4x16xf32>, %k: tensor<1x4x4x16xf32>, %v: tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32> {
  %m = deepc.constant dense<[[true, false, true, false], [false, true, false, true], [true, false, true, false], [false, true, false, true]]> : tensor<4x4xi1>
  // expected-remark @+1 {{mask not simplified: the constant mask is not a causal, sliding-window or global-token pattern}}
  %r = deepc.attention %q, %k, %v mask %m : tensor<4x4xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>
  return %r : tensor<1x4x4x16xf32>
}

// -----

// Tests that the same transformers-5 mask over position ids read from an
// input is left alone: the packed-sequence ids then depend on run-time data,
// and so does k <= q, which leaves two run-time factors.
// CHECK-LABEL: func @position_ids_input
// CHECK: deepc.attention {{.*}} mask
func.func @position_ids_input(%arg0: tensor<?x?xi64>, %pos: tensor<?x?xi64>, %q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
    %6 = deepc.constant dense<1> : tensor<2xi64>
    %7 = deepc.constant dense<1> : tensor<1xi64>
    %10 = deepc.constant dense<0> : tensor<i64>
    %11 = deepc.constant dense<1> : tensor<i64>
    %12 = deepc.constant dense<true> : tensor<i1>
    %31 = deepc.constant dense<0.000000e+00> : tensor<f32>
    %32 = deepc.constant dense<-3.40282347E+38> : tensor<f32>
    %33 = deepc.shape_of %arg0 : tensor<?x?xi64>
    %34 = deepc.slice %33 axes = [0] starts = [0] ends = [1] steps = [1] : tensor<2xi64>
    %35 = deepc.reshape %34 : tensor<1xi64> -> tensor<i64>
    %36 = deepc.slice %33 axes = [0] starts = [1] ends = [2] steps = [1] : tensor<2xi64>
    %37 = deepc.reshape %36 : tensor<1xi64> -> tensor<i64>
    %39 = deepc.range %10, %37, %11 : tensor<i64> -> tensor<?xi64>
    %40 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x?xi64>
    %42 = deepc.slice %pos axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x?xi64>
    %43 = deepc.reshape %42 : tensor<?x?xi64> -> tensor<?x1xi64>
    %44 = deepc.sub %43, %11 : tensor<?x1xi64>, tensor<i64>
    %45 = deepc.concat %44, %pos axis = 1 : tensor<?x1xi64>, tensor<?x?xi64>
    %46 = deepc.slice %45 axes = [1] starts = [0] ends = [-1] steps = [1] : tensor<?x?xi64>
    %47 = deepc.slice %45 axes = [1] starts = [1] ends = [9223372036854775807] steps = [1] : tensor<?x?xi64>
    %48 = deepc.sub %47, %46 : tensor<?x?xi64>, tensor<?x?xi64>
    %49 = deepc.equal %48, %11 : tensor<?x?xi64>, tensor<i64>
    %50 = deepc.not %49 : tensor<?x?xi1>
    %51 = deepc.cast %50 : tensor<?x?xi1> to tensor<?x?xi64>
    %52 = deepc.cumsum %51 axis = 1 : tensor<?x?xi64>
    %53 = deepc.range %10, %35, %11 : tensor<i64> -> tensor<?xi64>
    %54 = deepc.reshape %53 : tensor<?xi64> -> tensor<?x1x1x1xi64>
    %55 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x1x?x1xi64>
    %56 = deepc.reshape %39 : tensor<?xi64> -> tensor<1x1x1x?xi64>
    %57 = deepc.concat %34, %7, %36, %7 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
    %58 = deepc.expand %54 shape %57 : tensor<?x1x1x1xi64>, tensor<4xi64> -> tensor<?x1x?x1xi64>
    %59 = deepc.concat %34, %7, %36, %6 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<2xi64>
    %60 = deepc.reshape %58 shape %59 : tensor<?x1x?x1xi64>, tensor<5xi64> -> tensor<?x1x?x1x1xi64>
    %61 = deepc.expand %55 shape %57 : tensor<1x1x?x1xi64>, tensor<4xi64> -> tensor<?x1x?x1xi64>
    %62 = deepc.reshape %61 shape %59 : tensor<?x1x?x1xi64>, tensor<5xi64> -> tensor<?x1x?x1x1xi64>
    %63 = deepc.concat %60, %62 axis = 4 : tensor<?x1x?x1x1xi64>, tensor<?x1x?x1x1xi64>
    %64 = deepc.gather_nd %52[%63] : tensor<?x?xi64>, tensor<?x1x?x1x2xi64>
    %65 = deepc.concat %34, %6, %36 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>
    %66 = deepc.expand %54 shape %65 : tensor<?x1x1x1xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
    %67 = deepc.concat %34, %6, %36, %7 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
    %68 = deepc.reshape %66 shape %67 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
    %69 = deepc.expand %56 shape %65 : tensor<1x1x1x?xi64>, tensor<4xi64> -> tensor<?x1x1x?xi64>
    %70 = deepc.reshape %69 shape %67 : tensor<?x1x1x?xi64>, tensor<5xi64> -> tensor<?x1x1x?x1xi64>
    %71 = deepc.concat %68, %70 axis = 4 : tensor<?x1x1x?x1xi64>, tensor<?x1x1x?x1xi64>
    %72 = deepc.gather_nd %52[%71] : tensor<?x?xi64>, tensor<?x1x1x?x2xi64>
    %73 = deepc.equal %64, %72 : tensor<?x1x?x1xi64>, tensor<?x1x1x?xi64>
    %74 = deepc.and %73, %12 : tensor<?x1x?x?xi1>, tensor<i1>
    %75 = deepc.gather_nd %pos[%63] : tensor<?x?xi64>, tensor<?x1x?x1x2xi64>
    %76 = deepc.gather_nd %pos[%71] : tensor<?x?xi64>, tensor<?x1x1x?x2xi64>
    %77 = deepc.less_equal %76, %75 : tensor<?x1x1x?xi64>, tensor<?x1x?x1xi64>
    %78 = deepc.and %74, %77 : tensor<?x1x?x?xi1>, tensor<?x1x?x?xi1>
    %133 = deepc.select %78, %31, %32 : tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>
    // expected-remark @+1 {{mask not simplified: it depends on a function argument (run-time data)}}
    %r = deepc.attention %q, %k, %v mask %133 : tensor<?x1x?x?xf32> {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
    return %r : tensor<?x4x?x16xf32>
}
