#include "analysis/language.h"

#include <gtest/gtest.h>

namespace lapis::analysis {

TEST(Language, DetectsCommonLanguages) {
  EXPECT_EQ(DetectLanguage("Your account has been suspended. Please verify your identity by "
                           "clicking the link below within 24 hours.").code, "en");
  EXPECT_EQ(DetectLanguage("Votre compte a été suspendu. Veuillez vérifier votre identité en "
                           "cliquant sur le lien ci-dessous dans les 24 heures.").code, "fr");
  EXPECT_EQ(DetectLanguage("Su cuenta ha sido suspendida. Por favor verifique su identidad "
                           "haciendo clic en el enlace de abajo dentro de las 24 horas.").code, "es");
  EXPECT_EQ(DetectLanguage("고객님의 계정이 정지되었습니다. 아래 링크를 클릭하여 본인 확인을 해 주시기 바랍니다.").code, "ko");
}

TEST(Language, ShortOrEmptyIsUnknown) {
  EXPECT_EQ(DetectLanguage("").code, "");
  EXPECT_EQ(DetectLanguage("ok").code, "");
}

}  // namespace lapis::analysis
