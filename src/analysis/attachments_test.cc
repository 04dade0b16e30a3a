#include "analysis/attachments.h"

#include <gtest/gtest.h>

namespace lapis::analysis {
namespace {

mail::Part MakePart(std::string name, std::string type, std::string data) {
  mail::Part p;
  p.filename = std::move(name);
  p.content_type = std::move(type);
  p.data = std::move(data);
  p.attachment = true;
  return p;
}

bool Has(const AttachmentIndicator& a, const std::string& f) {
  for (const auto& x : a.flags)
    if (x == f) return true;
  return false;
}

}  // namespace

TEST(Attachments, PeFileIsExecutableAndTypeMismatch) {
  std::string pe = "MZ";
  pe.resize(512, '\0');
  pe.replace(0x3c, 4, std::string("\x80\0\0\0", 4));
  pe.replace(0x80, 4, std::string("PE\0\0", 4));
  auto a = InspectAttachment(MakePart("report.pdf", "application/pdf", pe));
  EXPECT_EQ(a.sha256.size(), 64u);
  EXPECT_EQ(a.size, 512u);
  EXPECT_TRUE(Has(a, "executable")) << a.detected_type;
  EXPECT_TRUE(Has(a, "type-mismatch"));
}

TEST(Attachments, DoubleExtensionAndHtml) {
  EXPECT_TRUE(Has(InspectAttachment(MakePart("scan.doc.js", "text/plain", "var x=1;")), "double-extension"));
  EXPECT_TRUE(Has(InspectAttachment(MakePart("login.html", "text/html", "<html></html>")), "html-attachment"));
  EXPECT_FALSE(Has(InspectAttachment(MakePart("photo.jpg", "image/jpeg", "\xFF\xD8\xFF\xE0")), "executable"));
}

TEST(Attachments, ExtensionHelper) {
  EXPECT_EQ(Extension("a.B.EXE "), "exe");
  EXPECT_EQ(Extension("noext"), "");
  EXPECT_TRUE(IsExecutableExtension("scr"));
}

}  // namespace lapis::analysis
