// End to end: compile test/models/llama_external_data to a CPU artifact and check both of its
// data sets against the onnxruntime outputs recorded next to the model:
// max abs error <= 1e-4 x max(1, max|expected|) (deepc-run's default).
// RUN: rm -rf %t.deepc
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx -o %t.deepc
// RUN: deepc-run %t.deepc --inputs %deepc_src_root/test/models/llama_external_data/test_data_set_0 --check | FileCheck %s
// RUN: deepc-run %t.deepc --inputs %deepc_src_root/test/models/llama_external_data/test_data_set_1 --check | FileCheck %s
// CHECK: check passed
