//===- Artifact.cpp - manifest.json reading and writing -------------------===//

#include "deepc/rt/Artifact.h"

namespace deepc::rt {

namespace {

json::Value tensorToJson(const ManifestTensor &t) {
  json::Value v = json::Value::object();
  v["name"] = t.name;
  v["dtype"] = dtypeName(t.dtype);
  json::Value dims = json::Value::array();
  for (int64_t d : t.dims)
    dims.push(d);
  v["dims"] = std::move(dims);
  json::Value names = json::Value::array();
  for (const std::string &n : t.dimNames)
    names.push(n);
  v["dimNames"] = std::move(names);
  return v;
}

Status fail(const std::string &field, const std::string &message) {
  return corruptArtifact("manifest.json: " + field + ": " + message);
}

Status readString(const json::Value &obj, const char *key, std::string &out,
                  bool required, const std::string &where) {
  const json::Value *v = obj.get(key);
  if (!v)
    return required ? fail(where + key, "missing") : okStatus();
  if (!v->isString())
    return fail(where + key, "must be a string");
  out = v->asString();
  return okStatus();
}

Status tensorFromJson(const json::Value &v, const std::string &where,
                      ManifestTensor &out) {
  if (!v.isObject())
    return fail(where, "must be an object");
  DEEPC_RETURN_IF_ERROR(readString(v, "name", out.name, true, where + "."));
  std::string dtype;
  DEEPC_RETURN_IF_ERROR(readString(v, "dtype", dtype, true, where + "."));
  out.dtype = parseDType(dtype);
  if (out.dtype == DType::Invalid)
    return fail(where + ".dtype", "unknown dtype \"" + dtype + "\"");
  const json::Value *dims = v.get("dims");
  if (!dims || !dims->isArray())
    return fail(where + ".dims", "must be an array");
  if (dims->size() > size_t(DEEPC_MAX_RANK))
    return fail(where + ".dims",
                "rank exceeds " + std::to_string(DEEPC_MAX_RANK));
  for (const json::Value &d : dims->elements()) {
    if (!d.isInt() || d.asInt() < -1)
      return fail(where + ".dims", "must hold sizes >= 0 or -1");
    out.dims.push_back(d.asInt());
  }
  const json::Value *names = v.get("dimNames");
  if (names) {
    if (!names->isArray() || names->size() != dims->size())
      return fail(where + ".dimNames", "must be an array as long as dims");
    for (const json::Value &n : names->elements()) {
      if (!n.isString())
        return fail(where + ".dimNames", "must hold strings");
      out.dimNames.push_back(n.asString());
    }
  } else {
    out.dimNames.assign(out.dims.size(), "");
  }
  return okStatus();
}

Status tensorsFromJson(const json::Value &root, const char *key,
                       std::vector<ManifestTensor> &out) {
  const json::Value *a = root.get(key);
  if (!a || !a->isArray())
    return fail(key, "must be an array");
  out.resize(a->size());
  for (size_t i = 0; i < a->size(); ++i)
    DEEPC_RETURN_IF_ERROR(tensorFromJson(
        (*a)[i], std::string(key) + "[" + std::to_string(i) + "]", out[i]));
  return okStatus();
}

} // namespace

json::Value manifestToJson(const Manifest &m) {
  json::Value root = json::Value::object();
  root["format"] = kManifestFormat;
  root["version"] = kManifestFormatVersion;
  root["deepcVersion"] = m.deepcVersion;
  root["target"] = m.target;
  root["source"] = m.source;
  root["pipeline"] = m.pipeline;
  json::Value inputs = json::Value::array();
  for (const ManifestTensor &t : m.inputs)
    inputs.push(tensorToJson(t));
  root["inputs"] = std::move(inputs);
  json::Value outputs = json::Value::array();
  for (const ManifestTensor &t : m.outputs)
    outputs.push(tensorToJson(t));
  root["outputs"] = std::move(outputs);
  json::Value bounds = json::Value::object();
  for (const auto &[name, bound] : m.dimBounds)
    bounds[name] = bound;
  root["dimBounds"] = std::move(bounds);
  root["planFile"] = m.planFile;
  root["weightsFile"] = m.weightsFile;
  root["weightsBytes"] = int64_t(m.weightsBytes);
  root["codeLibrary"] = m.codeLibrary;
  if (m.target == "cuda") {
    root["cudaLibrary"] = m.cudaLibrary;
    json::Value architectures = json::Value::array();
    for (const std::string &arch : m.cudaArchitectures)
      architectures.push(arch);
    root["cudaArchitectures"] = std::move(architectures);
  }
  if (m.dummyWeights) {
    root["dummyWeights"] = true;
    root["dummyWeightsOffset"] = int64_t(m.dummyWeightsOffset);
  }
  return root;
}

Status manifestFromJson(const json::Value &root, Manifest &m) {
  m = Manifest();
  if (!root.isObject())
    return fail("top level", "must be an object");
  std::string format;
  DEEPC_RETURN_IF_ERROR(readString(root, "format", format, true, ""));
  if (format != kManifestFormat)
    return fail("format",
                "is \"" + format + "\", expected \"" + kManifestFormat + "\"");
  const json::Value *version = root.get("version");
  if (!version || !version->isInt())
    return fail("version", "must be an integer");
  if (version->asInt() != kManifestFormatVersion)
    return unsupported("manifest.json: format version " +
                       std::to_string(version->asInt()) +
                       ", this runtime reads version " +
                       std::to_string(kManifestFormatVersion));
  DEEPC_RETURN_IF_ERROR(
      readString(root, "deepcVersion", m.deepcVersion, false, ""));
  DEEPC_RETURN_IF_ERROR(readString(root, "target", m.target, true, ""));
  DEEPC_RETURN_IF_ERROR(readString(root, "source", m.source, false, ""));
  DEEPC_RETURN_IF_ERROR(readString(root, "pipeline", m.pipeline, false, ""));
  DEEPC_RETURN_IF_ERROR(tensorsFromJson(root, "inputs", m.inputs));
  DEEPC_RETURN_IF_ERROR(tensorsFromJson(root, "outputs", m.outputs));
  if (const json::Value *bounds = root.get("dimBounds")) {
    if (!bounds->isObject())
      return fail("dimBounds", "must be an object");
    for (const auto &[name, bound] : bounds->members()) {
      if (!bound.isInt() || bound.asInt() < 0)
        return fail("dimBounds." + name, "must be an integer >= 0");
      m.dimBounds[name] = bound.asInt();
    }
  }
  DEEPC_RETURN_IF_ERROR(readString(root, "planFile", m.planFile, false, ""));
  DEEPC_RETURN_IF_ERROR(
      readString(root, "weightsFile", m.weightsFile, false, ""));
  const json::Value *weightsBytes = root.get("weightsBytes");
  if (!weightsBytes || !weightsBytes->isInt() || weightsBytes->asInt() < 0)
    return fail("weightsBytes", "must be an integer >= 0");
  m.weightsBytes = uint64_t(weightsBytes->asInt());
  DEEPC_RETURN_IF_ERROR(
      readString(root, "codeLibrary", m.codeLibrary, false, ""));
  DEEPC_RETURN_IF_ERROR(
      readString(root, "cudaLibrary", m.cudaLibrary, false, ""));
  if (const json::Value *architectures = root.get("cudaArchitectures")) {
    if (!architectures->isArray())
      return fail("cudaArchitectures", "must be an array of strings");
    for (size_t i = 0; i < architectures->size(); ++i) {
      if (!(*architectures)[i].isString())
        return fail("cudaArchitectures", "must be an array of strings");
      m.cudaArchitectures.push_back((*architectures)[i].asString());
    }
  }
  if (const json::Value *dummy = root.get("dummyWeights")) {
    if (!dummy->isBool())
      return fail("dummyWeights", "must be true or false");
    m.dummyWeights = dummy->asBool();
  }
  if (m.dummyWeights) {
    const json::Value *offset = root.get("dummyWeightsOffset");
    if (!offset || !offset->isInt() || offset->asInt() < 0 ||
        uint64_t(offset->asInt()) > m.weightsBytes)
      return fail("dummyWeightsOffset",
                  "must be an integer from 0 to weightsBytes");
    m.dummyWeightsOffset = uint64_t(offset->asInt());
  }
  // The files are opened relative to the artifact: refuse paths that leave it.
  for (const std::string *file :
       {&m.planFile, &m.weightsFile, &m.codeLibrary, &m.cudaLibrary})
    if (file->find('/') != std::string::npos || *file == "..")
      return fail("files", "\"" + *file + "\" must be a plain file name");
  return okStatus();
}

} // namespace deepc::rt
