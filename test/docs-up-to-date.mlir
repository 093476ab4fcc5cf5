// Tests that the dialect and pass references committed under docs/ match
// what mlir-tblgen generates from the .td files; run `ninja -C build
// deepc-doc` and commit the result when this fails.
// RUN: diff -u %deepc_src_root/docs/Dialects/DeepcDialect.md %deepc_obj_root/docs/Dialects/DeepcDialect.md
// RUN: diff -u %deepc_src_root/docs/Dialects/OnnxDialect.md %deepc_obj_root/docs/Dialects/OnnxDialect.md
// RUN: diff -u %deepc_src_root/docs/DeepcPasses.md %deepc_obj_root/docs/DeepcPasses.md
// RUN: diff -u %deepc_src_root/docs/DeepcConversionPasses.md %deepc_obj_root/docs/DeepcConversionPasses.md
