// End to end: a norm or a rotary followed by a QuantizeLinear /
// DequantizeLinear pair (the QDQ form) runs as one step: the pair becomes
// a generated region, the epilogue of the producer, applied to each block
// of rows while it is in cache; a per-head norm, its rotary and the
// quantize run as one chain of three. The model is written by the script with
// its onnxruntime reference output; the artifact must match it within
// deepc-run's default tolerance (1e-4 x max(1, max|expected|)), fused and
// with --no-fuse-epilogue.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_fusion_qdq.py %t
// RUN: deepc %t/model.onnx --emit=plan | FileCheck %s --check-prefix=PLAN
// RUN: deepc %t/model.onnx -o %t/fused.deepc
// RUN: deepc-run %t/fused.deepc --inputs %t/test_data_set_0 --check | FileCheck %s
// RUN: deepc %t/model.onnx --no-fuse-epilogue -o %t/unfused.deepc
// RUN: deepc-run %t/unfused.deepc --inputs %t/test_data_set_0 --check | FileCheck %s
// CHECK: check passed: 4 outputs

// Each producer is marked and its region, right after it, quantizes and
// dequantizes (a zero point 0 where the model has none).
// PLAN:      "epilogue": true,
// PLAN:      "op": "deepc.layer_norm",
// PLAN:      "op": "deepc.quantize"
// PLAN:      "op": "deepc.dequantize"
// PLAN:      "op": "region",
// PLAN:      "epilogue": true,
// PLAN:      "op": "deepc.rms_norm",
// PLAN:      "op": "deepc.quantize"
// PLAN:      "op": "deepc.dequantize"
// PLAN:      "op": "region",
// PLAN:      "epilogue": true,
// PLAN:      "op": "deepc.rotary",
// PLAN:      "op": "deepc.quantize"
// PLAN:      "op": "deepc.dequantize"
// PLAN:      "op": "region",
// PLAN:      "epilogue": true,
// PLAN-NEXT: "inputs":
// PLAN-NEXT: "loc": "qk_norm",
// PLAN-NEXT: "op": "deepc.rms_norm",
// PLAN:      "epilogue": true,
// PLAN-NEXT: "inputs":
// PLAN-NEXT: "loc": "qk_rope",
// PLAN-NEXT: "op": "deepc.rotary",
// PLAN:      "op": "deepc.quantize"
// PLAN:      "op": "deepc.dequantize"
// PLAN:      "loc": "y_qk",
// PLAN-NEXT: "op": "region",
// PLAN-NOT:  "op": "deepc.quantize",
