// RUN: deepc %S/Inputs/ext_good.onnx --emit=onnx | FileCheck %s

// Tests that external data loads from files next to the model (and in a
// subdirectory), by offset and length or the whole file when neither is
// given: small tensors inline, large ones as blobs into the mapped file.

// CHECK-LABEL: func.func @main()
// CHECK: onnx.constant dense<{{\[\[}}0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00], {{.*}}, [1.200000e+01, 1.300000e+01, 1.400000e+01, 1.500000e+01]]> : tensor<4x4xf32>
// CHECK: onnx.constant dense_resource<ext_big> : tensor<512xf32>
// CHECK: onnx.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
// linspace(-1, 1, 512) starts at -1.0 = 0xBF800000.
// CHECK: ext_big: "0x04000000000080BF

// Tests that external data must stay inside the model's directory, exist,
// and match its offsets, lengths and shape; each error names the
// initializer and the file.

// RUN: not deepc %S/Inputs/ext_absolute.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=ABSOLUTE --implicit-check-not=error:
// ABSOLUTE: ext_absolute.onnx: error: initializer 'w' is stored in '/etc/passwd', an absolute path; external data must be a relative path inside the model's directory

// RUN: not deepc %S/Inputs/ext_escape.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=ESCAPE --implicit-check-not=error:
// ESCAPE: ext_escape.onnx: error: initializer 'w' is stored in '../Inputs/ext.bin', which leaves the model's directory

// RUN: not deepc %S/Inputs/ext_escape_inner.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=ESCAPE-INNER --implicit-check-not=error:
// ESCAPE-INNER: ext_escape_inner.onnx: error: initializer 'w' is stored in 'weights/../../ext.bin', which leaves the model's directory

// RUN: not deepc %S/Inputs/ext_missing.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=MISSING --implicit-check-not=error:
// MISSING: ext_missing.onnx: error: initializer 'w' is stored in 'missing.bin', which does not exist

// RUN: not deepc %S/Inputs/ext_offset_past_end.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=OFFSET --implicit-check-not=error:
// OFFSET: ext_offset_past_end.onnx: error: initializer 'w' starts at offset 4096, past the end of 'ext.bin' (2112 bytes)

// RUN: not deepc %S/Inputs/ext_length_past_end.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=PAST-END --implicit-check-not=error:
// PAST-END: ext_length_past_end.onnx: error: initializer 'w' spans bytes 2096 to 2160, past the end of 'ext.bin' (2112 bytes)

// RUN: not deepc %S/Inputs/ext_length_mismatch.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=LENGTH --implicit-check-not=error:
// LENGTH: ext_length_mismatch.onnx: error: initializer 'w' has 12 bytes of external data, but its shape needs 16

// RUN: not deepc %S/Inputs/ext_bad_offset.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=BAD-OFFSET --implicit-check-not=error:
// BAD-OFFSET: ext_bad_offset.onnx: error: initializer 'w' has external-data offset '12x', which is not a number
