// Tests that malformed models give one error naming the culprit.

// Opsets: ai.onnx 7 to 28 is required; other domains need a version >= 1.
// RUN: not deepc %S/Inputs/opset_missing.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=OPSET-MISSING --implicit-check-not=error:
// OPSET-MISSING: opset_missing.onnx: error: the model imports no default-domain (ai.onnx) opset; deepc supports ai.onnx opsets 7 to 28
// RUN: not deepc %S/Inputs/opset_too_new.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=OPSET-NEW --implicit-check-not=error:
// OPSET-NEW: opset_too_new.onnx: error: the model imports ai.onnx opset 29; deepc supports ai.onnx opsets 7 to 28
// RUN: not deepc %S/Inputs/opset_too_old.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=OPSET-OLD --implicit-check-not=error:
// OPSET-OLD: opset_too_old.onnx: error: the model imports ai.onnx opset 6; deepc supports ai.onnx opsets 7 to 28
// RUN: not deepc %S/Inputs/opset_bad_contrib.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=OPSET-CONTRIB --implicit-check-not=error:
// OPSET-CONTRIB: opset_bad_contrib.onnx: error: the model imports domain 'com.microsoft' with invalid opset version 0
// RUN: not deepc %S/Inputs/domain_not_imported.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DOMAIN --implicit-check-not=error:
// DOMAIN: domain_not_imported.onnx: error: node 'foo' (Foo) is in domain 'nowhere', which the model does not import

// Types and dims of values.
// RUN: not deepc %S/Inputs/dtype_unknown.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DTYPE-UNKNOWN --implicit-check-not=error:
// DTYPE-UNKNOWN: dtype_unknown.onnx: error: value 'x' has data type 99 (unknown), which deepc does not support
// RUN: not deepc %S/Inputs/dtype_float4.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DTYPE-FLOAT4 --implicit-check-not=error:
// DTYPE-FLOAT4: dtype_float4.onnx: error: value 'x' has data type 23 (FLOAT4E2M1), which deepc does not support
// RUN: not deepc %S/Inputs/dtype_string.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DTYPE-STRING --implicit-check-not=error:
// DTYPE-STRING: dtype_string.onnx: error: value 'x' has data type 8 (STRING), which deepc does not support
// RUN: not deepc %S/Inputs/dim_negative.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DIM-NEGATIVE --implicit-check-not=error:
// DIM-NEGATIVE: dim_negative.onnx: error: value 'x' has negative dim -3 at position 1
// RUN: not deepc %S/Inputs/dim_huge.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DIM-HUGE --implicit-check-not=error:
// DIM-HUGE: dim_huge.onnx: error: value 'x' has dim 2199023255552 at position 0, larger than 2^40
// RUN: not deepc %S/Inputs/input_sequence.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=SEQUENCE --implicit-check-not=error:
// SEQUENCE: input_sequence.onnx: error: value 'x' has a sequence type; deepc imports only tensors

// Tensor data.
// RUN: not deepc %S/Inputs/raw_too_short.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=RAW-SHORT --implicit-check-not=error:
// RAW-SHORT: raw_too_short.onnx: error: initializer 'w' has 60 bytes of raw data, but its shape needs 64
// RUN: not deepc %S/Inputs/raw_too_long.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=RAW-LONG --implicit-check-not=error:
// RAW-LONG: raw_too_long.onnx: error: initializer 'w' has 20 bytes of raw data, but its shape needs 16
// RUN: not deepc %S/Inputs/typed_too_short.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=TYPED-SHORT --implicit-check-not=error:
// TYPED-SHORT: typed_too_short.onnx: error: initializer 'w' has 3 values in float_data, but its shape needs 4
// RUN: not deepc %S/Inputs/no_data.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=NO-DATA --implicit-check-not=error:
// NO-DATA: no_data.onnx: error: initializer 'w' has no data
// RUN: not deepc %S/Inputs/too_many_elements.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=TOO-MANY --implicit-check-not=error:
// TOO-MANY: too_many_elements.onnx: error: initializer 'w' has more than 2^40 elements
// RUN: not deepc %S/Inputs/init_dtype_float4.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=INIT-DTYPE --implicit-check-not=error:
// INIT-DTYPE: init_dtype_float4.onnx: error: initializer 'w' has data type 23 (FLOAT4E2M1), which deepc does not support

// Graph structure.
// RUN: not deepc %S/Inputs/dangling.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DANGLING --implicit-check-not=error:
// DANGLING: dangling.onnx: error: node 'add' reads value 'ghost', which no node, graph input or initializer defines
// RUN: not deepc %S/Inputs/dangling_output.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DANGLING-OUTPUT --implicit-check-not=error:
// DANGLING-OUTPUT: dangling_output.onnx: error: graph output 'nowhere' is not defined by any node, graph input or initializer
// RUN: not deepc %S/Inputs/cycle.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=CYCLE --implicit-check-not=error:
// CYCLE: cycle.onnx: error: the graph has a cycle through node 'a_node'
// RUN: not deepc %S/Inputs/duplicate_output.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=DUPLICATE --implicit-check-not=error:
// DUPLICATE: duplicate_output.onnx: error: value 'y' is defined twice: by node 'first' and by node 'second'
// RUN: not deepc %S/Inputs/duplicate_input_output.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=SHADOW --implicit-check-not=error:
// SHADOW: duplicate_input_output.onnx: error: value 'x' is defined twice: by graph input and by node 'shadow'

// Attributes.
// RUN: not deepc %S/Inputs/graph_attribute.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=GRAPH --implicit-check-not=error:
// GRAPH: graph_attribute.onnx: error: node 'branch' attribute 'else_branch' is a subgraph (GRAPH); subgraphs (If, Loop, Scan) are not supported yet
// RUN: not deepc %S/Inputs/attribute_wrong_type.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=WRONG-TYPE --implicit-check-not=error:
// WRONG-TYPE: attribute_wrong_type.onnx: error: node 'foo' attribute 'axis' is declared INT but holds a FLOAT value
// RUN: not deepc %S/Inputs/attribute_no_type.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=NO-TYPE --implicit-check-not=error:
// NO-TYPE: attribute_no_type.onnx: error: node 'foo' attribute 'mystery' has an undefined or unknown attribute type
// RUN: not deepc %S/Inputs/attribute_missing_tensor.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=NO-TENSOR --implicit-check-not=error:
// NO-TENSOR: attribute_missing_tensor.onnx: error: node 'foo' attribute 'value' is declared TENSOR but holds no value of that type
