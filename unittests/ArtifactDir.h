//===- ArtifactDir.h - a temporary artifact directory for tests -*- C++ -*-===//
//
// The runtime tests write hand-made artifacts (manifest.json, plan.json,
// weights.bin) to a fresh directory under /tmp and load them back.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_UNITTESTS_ARTIFACTDIR_H
#define DEEPC_UNITTESTS_ARTIFACTDIR_H

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace deepc::test {

/// A temporary artifact directory, removed with its files at the end.
class ArtifactDir {
public:
  /// Made as /tmp/deepc-<tag>-XXXXXX; path() is "" if that failed.
  explicit ArtifactDir(const std::string &tag) {
    std::string tmpl = "/tmp/deepc-" + tag + "-XXXXXX";
    const char *made = mkdtemp(tmpl.data());
    path_ = made ? made : "";
  }
  ~ArtifactDir() {
    for (const char *f : {"manifest.json", "plan.json", "weights.bin"})
      std::remove((path_ + "/" + f).c_str());
    rmdir(path_.c_str());
  }
  ArtifactDir(const ArtifactDir &) = delete;
  ArtifactDir &operator=(const ArtifactDir &) = delete;

  const std::string &path() const { return path_; }
  void writeFile(const std::string &name, const std::string &bytes) const {
    std::ofstream(path_ + "/" + name, std::ios::binary) << bytes;
  }

private:
  std::string path_;
};

} // namespace deepc::test

#endif // DEEPC_UNITTESTS_ARTIFACTDIR_H
