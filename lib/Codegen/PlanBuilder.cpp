//===- PlanBuilder.cpp - the deepc dialect to an execution plan -----------===//
//
// One walk over the entry function: arguments become inputs, deepc.constant
// ops constants (their bytes converted to the runtime's layout), every other
// deepc op a step whose attributes are encoded generically, so that a new
// op needs a kernel but no change here.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/PlanBuilder.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::deepc;
namespace json = ::deepc::rt::json;
using ::deepc::rt::DType;

namespace {

/// The runtime's dtype for an MLIR element type, Invalid when it has none.
/// deepc integers are signless and read as signed; unsigned ones never
/// reach the deepc dialect, so they have no dtype either.
DType toDType(Type type) {
  if (type.isF32())
    return DType::F32;
  if (type.isF16())
    return DType::F16;
  if (type.isBF16())
    return DType::BF16;
  if (isa<Float8E4M3FNType>(type))
    return DType::F8E4M3FN;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer || integer.isUnsigned())
    return DType::Invalid;
  switch (integer.getWidth()) {
  case 1:
    return DType::Bool;
  case 4:
    return DType::I4;
  case 8:
    return DType::I8;
  case 32:
    return DType::I32;
  case 64:
    return DType::I64;
  default:
    return DType::Invalid;
  }
}

/// The ONNX node name a location carries (the first NameLoc), or "".
std::string locationName(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

std::string printed(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// Encodes one attribute as PlanStep::attrs describes; nullopt for a kind
/// the plan has no encoding for.
std::optional<json::Value> encodeAttribute(Attribute attr) {
  if (auto boolean = dyn_cast<BoolAttr>(attr))
    return json::Value(boolean.getValue());
  if (auto integer = dyn_cast<IntegerAttr>(attr))
    return json::Value(int64_t(integer.getValue().getSExtValue()));
  if (isa<UnitAttr>(attr))
    return json::Value(true);
  if (auto real = dyn_cast<FloatAttr>(attr))
    return json::Value(real.getValueAsDouble());
  if (auto string = dyn_cast<StringAttr>(attr))
    return json::Value(string.getValue().str());
  if (auto type = dyn_cast<TypeAttr>(attr)) {
    DType dtype = toDType(type.getValue());
    if (dtype == DType::Invalid)
      return std::nullopt;
    return json::Value(rt::dtypeName(dtype));
  }
  auto array = json::Value::array();
  if (auto ints = dyn_cast<DenseI64ArrayAttr>(attr)) {
    for (int64_t v : ints.asArrayRef())
      array.push(json::Value(v));
    return array;
  }
  if (auto ints = dyn_cast<DenseI32ArrayAttr>(attr)) {
    for (int32_t v : ints.asArrayRef())
      array.push(json::Value(int64_t(v)));
    return array;
  }
  if (auto floats = dyn_cast<DenseF32ArrayAttr>(attr)) {
    for (float v : floats.asArrayRef())
      array.push(json::Value(double(v)));
    return array;
  }
  if (auto floats = dyn_cast<DenseF64ArrayAttr>(attr)) {
    for (double v : floats.asArrayRef())
      array.push(json::Value(v));
    return array;
  }
  if (auto elements = dyn_cast<ArrayAttr>(attr)) {
    for (Attribute element : elements) {
      std::optional<json::Value> encoded = encodeAttribute(element);
      if (!encoded || encoded->isArray())
        return std::nullopt;
      array.push(std::move(*encoded));
    }
    return array;
  }
  // deepc's enum attributes print as `#deepc.router<softmax>`: the case
  // name is what is between the angle brackets. Reading the printed form
  // keeps this independent of which enums exist.
  if (attr.getDialect().getNamespace() == "deepc") {
    std::string text;
    llvm::raw_string_ostream os(text);
    attr.print(os);
    StringRef body = StringRef(text).rtrim();
    size_t open = body.find('<');
    if (open == StringRef::npos || !body.ends_with(">"))
      return std::nullopt;
    StringRef value = body.slice(open + 1, body.size() - 1).trim();
    if (value.empty() || value.find_first_of("<>,= ") != StringRef::npos)
      return std::nullopt;
    return json::Value(value.str());
  }
  return std::nullopt;
}

class PlanBuilder {
public:
  explicit PlanBuilder(func::FuncOp func) : func(func) {}
  FailureOr<ModelPlan> build();

private:
  /// Adds a value of `type`; fails (reported) when its element type has no
  /// dtype. `what` names it in that message.
  FailureOr<int> addValue(Value value, rt::ValueKind kind, std::string name,
                          Location loc);
  LogicalResult addInputs();
  LogicalResult addConstant(ConstantOp op);
  LogicalResult addStep(Operation *op);
  LogicalResult addOutputs(func::ReturnOp op);
  FailureOr<ArrayRef<char>> constantBytes(ElementsAttr value, DType dtype,
                                          const std::string &name,
                                          Location loc);

  func::FuncOp func;
  ModelPlan model;
  llvm::DenseMap<Value, int> ids;
  llvm::StringSet<> inputDimNames;
};

FailureOr<int> PlanBuilder::addValue(Value value, rt::ValueKind kind,
                                     std::string name, Location loc) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return emitError(loc) << "value '" << name << "' has type "
                          << value.getType()
                          << "; only ranked tensors can be compiled";
  rt::PlanValue planValue;
  planValue.dtype = toDType(type.getElementType());
  if (planValue.dtype == DType::Invalid)
    return emitError(loc) << "value '" << name << "' has element type "
                          << type.getElementType()
                          << ", which the runtime does not support (it "
                             "supports f32, f16, bf16, f8E4M3FN, i1, i4, "
                             "i8, i32 and i64)";
  if (type.getRank() > rt::kMaxRank)
    return emitError(loc) << "value '" << name << "' has rank "
                          << type.getRank() << ", more than the runtime's "
                          << rt::kMaxRank;
  for (int64_t dim : type.getShape())
    planValue.dims.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
  planValue.kind = kind;
  planValue.name = std::move(name);
  int id = model.plan.values.size();
  model.plan.values.push_back(std::move(planValue));
  model.constantBytes.emplace_back();
  ids[value] = id;
  return id;
}

LogicalResult PlanBuilder::addInputs() {
  for (auto [index, arg] : llvm::enumerate(func.getArguments())) {
    rt::PlanIO io;
    auto nameAttr = func.getArgAttrOfType<StringAttr>(index, "onnx.name");
    io.name =
        nameAttr ? nameAttr.getValue().str() : "input_" + std::to_string(index);
    FailureOr<int> id =
        addValue(arg, rt::ValueKind::Input, io.name, func.getLoc());
    if (failed(id))
      return failure();
    io.value = *id;
    auto params = func.getArgAttrOfType<ArrayAttr>(index, "onnx.dim_params");
    const std::vector<int64_t> &dims = model.plan.values[*id].dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      std::string dimName;
      if (dims[d] < 0) {
        if (params && d < params.size())
          if (auto param = dyn_cast<StringAttr>(params[d]))
            dimName = param.getValue().str();
        // An unnamed symbolic dim is its own symbol.
        if (dimName.empty())
          dimName = io.name + "_dim" + std::to_string(d);
        inputDimNames.insert(dimName);
      }
      io.dimNames.push_back(dimName);
    }
    model.plan.inputs.push_back(std::move(io));
  }
  return success();
}

FailureOr<ArrayRef<char>> PlanBuilder::constantBytes(ElementsAttr value,
                                                     DType dtype,
                                                     const std::string &name,
                                                     Location loc) {
  auto type = cast<ShapedType>(value.getType());
  int64_t numel = type.getNumElements();
  size_t elementBytes = rt::dtypeSize(dtype);

  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    // MLIR packs i1 as bits and keeps i4 zero-extended in a byte; the
    // runtime wants a byte per bool and sign-extended i4.
    if (dtype == DType::Bool || dtype == DType::I4) {
      std::vector<char> bytes;
      bytes.reserve(numel);
      for (APInt v : dense.getValues<APInt>())
        bytes.push_back(dtype == DType::Bool
                            ? char(!v.isZero())
                            : char(v.sextOrTrunc(8).getSExtValue()));
      return model.own(std::move(bytes));
    }
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return raw;
    std::vector<char> bytes(numel * elementBytes);
    for (int64_t i = 0; i < numel; ++i)
      std::memcpy(bytes.data() + i * elementBytes, raw.data(), elementBytes);
    return model.own(std::move(bytes));
  }

  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource)
    return emitError(loc) << "constant '" << name
                          << "' holds elements of a kind the compiler cannot "
                             "read (neither dense nor dense_resource)";
  const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return emitError(loc) << "constant '" << name << "' (resource '"
                          << resource.getRawHandle().getKey()
                          << "') has no data; was it elided when printed?";
  ArrayRef<char> data = blob->getData();
  // Resource blobs keep ONNX's layout: bools are bytes already, i4 packs
  // two elements per byte, low nibble first.
  size_t expected =
      dtype == DType::I4 ? (numel + 1) / 2 : size_t(numel) * elementBytes;
  if (data.size() != expected)
    return emitError(loc) << "constant '" << name << "' has " << data.size()
                          << " bytes of data, expected " << expected << " for "
                          << type;
  if (dtype == DType::I4) {
    std::vector<char> bytes(numel);
    for (int64_t i = 0; i < numel; ++i) {
      int nibble = (uint8_t(data[i / 2]) >> (4 * (i % 2))) & 0xf;
      bytes[i] = char(nibble >= 8 ? nibble - 16 : nibble);
    }
    return model.own(std::move(bytes));
  }
  if (dtype == DType::Bool) {
    std::vector<char> bytes(numel);
    for (int64_t i = 0; i < numel; ++i)
      bytes[i] = char(data[i] != 0);
    return model.own(std::move(bytes));
  }
  return data;
}

LogicalResult PlanBuilder::addConstant(ConstantOp op) {
  std::string name = locationName(op.getLoc());
  if (name.empty())
    name = "constant_" + std::to_string(model.plan.values.size());
  FailureOr<int> id =
      addValue(op.getResult(), rt::ValueKind::Constant, name, op.getLoc());
  if (failed(id))
    return failure();
  FailureOr<ArrayRef<char>> bytes = constantBytes(
      op.getValue(), model.plan.values[*id].dtype, name, op.getLoc());
  if (failed(bytes))
    return failure();
  model.constantBytes[*id] = *bytes;
  return success();
}

LogicalResult PlanBuilder::addStep(Operation *op) {
  rt::PlanStep step;
  step.op = op->getName().getStringRef().str();
  step.loc = locationName(op->getLoc());

  // Ops with several optional operands record which are present in
  // operandSegmentSizes: each segment is one slot, -1 when empty, so a
  // kernel finds an operand at its position in the op's definition.
  auto segments = op->getInherentAttr("operandSegmentSizes");
  auto segmentSizes =
      segments ? dyn_cast_or_null<DenseI32ArrayAttr>(*segments) : nullptr;
  if (segmentSizes) {
    unsigned next = 0;
    for (int32_t size : segmentSizes.asArrayRef()) {
      if (size == 0)
        step.inputs.push_back(-1);
      for (int32_t i = 0; i < size; ++i)
        step.inputs.push_back(ids.lookup(op->getOperand(next++)));
    }
  } else {
    for (Value operand : op->getOperands())
      step.inputs.push_back(ids.lookup(operand));
  }

  // Default-valued attributes the IR leaves out are filled in first, so the
  // kernels see every attribute the op's definition gives a value.
  op->getName().populateDefaultProperties(op->getPropertiesStorage());
  for (NamedAttribute attr : op->getAttrDictionary()) {
    StringRef attrName = attr.getName().getValue();
    if (attrName == "operandSegmentSizes")
      continue;
    std::optional<json::Value> encoded = encodeAttribute(attr.getValue());
    if (!encoded)
      return op->emitError() << "cannot encode attribute '" << attrName << "' ("
                             << attr.getValue() << ") in the plan";
    step.attrs[attrName.str()] = std::move(*encoded);
  }

  for (auto [index, result] : llvm::enumerate(op->getResults())) {
    std::string name = step.loc.empty() ? step.op : step.loc;
    if (op->getNumResults() > 1)
      name += ":" + std::to_string(index);
    FailureOr<int> id =
        addValue(result, rt::ValueKind::Temp, name, op->getLoc());
    if (failed(id))
      return failure();
    step.outputs.push_back(*id);
  }
  // A reshape is a view: its output points at its input's buffer.
  if (isa<ReshapeOp>(op))
    model.plan.values[step.outputs[0]].aliasOf = step.inputs[0];
  model.plan.steps.push_back(std::move(step));
  return success();
}

LogicalResult PlanBuilder::addOutputs(func::ReturnOp op) {
  for (auto [index, operand] : llvm::enumerate(op.getOperands())) {
    rt::PlanIO io;
    auto nameAttr = func.getResultAttrOfType<StringAttr>(index, "onnx.name");
    io.name = nameAttr ? nameAttr.getValue().str()
                       : "output_" + std::to_string(index);
    io.value = ids.lookup(operand);
    auto params = func.getResultAttrOfType<ArrayAttr>(index, "onnx.dim_params");
    const std::vector<int64_t> &dims = model.plan.values[io.value].dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      // Only names an input defines mean something to the runtime.
      std::string dimName;
      if (dims[d] < 0 && params && d < params.size())
        if (auto param = dyn_cast<StringAttr>(params[d]))
          if (inputDimNames.contains(param.getValue()))
            dimName = param.getValue().str();
      io.dimNames.push_back(dimName);
    }
    model.plan.outputs.push_back(std::move(io));
  }
  return success();
}

FailureOr<ModelPlan> PlanBuilder::build() {
  if (failed(addInputs()))
    return failure();

  // Everything that is not a deepc op is collected first, so that one
  // error lists them all rather than stopping at the first.
  SmallVector<Operation *> foreign;
  for (Operation &op : func.getBody().front())
    if (!isa<func::ReturnOp>(op) && op.getName().getDialectNamespace() !=
                                        DeepcDialect::getDialectNamespace())
      foreign.push_back(&op);
  if (!foreign.empty()) {
    InFlightDiagnostic diag = emitError(foreign.front()->getLoc())
                              << foreign.size()
                              << " op(s) are not deepc ops and cannot be "
                                 "compiled:";
    for (Operation *op : foreign) {
      diag << "\n  " << op->getName() << " at " << printed(op->getLoc());
      if (op->getName().getStringRef() == "onnx.node")
        if (auto type = op->getAttrOfType<StringAttr>("op_type"))
          diag << " (ONNX " << type.getValue() << ")";
    }
    return failure();
  }

  for (Operation &op : func.getBody().front()) {
    LogicalResult result = success();
    if (auto constant = dyn_cast<ConstantOp>(op))
      result = addConstant(constant);
    else if (auto ret = dyn_cast<func::ReturnOp>(op))
      result = addOutputs(ret);
    else
      result = addStep(&op);
    if (failed(result))
      return failure();
  }
  return std::move(model);
}

} // namespace

FailureOr<ModelPlan> mlir::deepc::buildPlan(ModuleOp module) {
  func::FuncOp entry = module.lookupSymbol<func::FuncOp>("main");
  if (!entry) {
    auto funcs = module.getOps<func::FuncOp>();
    if (std::distance(funcs.begin(), funcs.end()) != 1)
      return module.emitError()
             << "expected a function named 'main' (or exactly one function) "
                "to compile";
    entry = *funcs.begin();
  }
  if (entry.getBody().getBlocks().size() != 1)
    return entry.emitError() << "expected a function body of one block";
  return PlanBuilder(entry).build();
}
