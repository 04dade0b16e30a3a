#include "analysis/classify.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/strings.h"
#include "mail/domains.h"

namespace lapis::analysis {
namespace {

enum Cat { kCommercial, kPhishing, kMalware, kAdvanceFee, kExtortion, kOtherScam, kHam, kNumCats };
const char* const kCatNames[] = {"commercial-spam",   "phishing",  "malware", "advance-fee-fraud",
                                 "extortion",         "other-scam", "not-spam"};

struct Rule {
  Cat cat;
  double weight;
  const char* name;     // reason shown to the analyst
  const char* pattern;  // RE2, matched against the folded text (see Fold)
  const char* also = nullptr;  // when set, this pattern must match somewhere in the text too
};

// Phrase rules. The text they see is folded by Fold(): ASCII lower case, accents removed
// ("você" -> "voce", "Glückwunsch" -> "gluckwunsch", "ß" -> "ss"), Cyrillic look-alike letters
// and styled mathematical letters mapped to Latin, invisible characters dropped. So patterns are
// plain lower-case ASCII. Keep them DFA-friendly: alternations and unbounded repeats of small
// classes, never bounded wildcards; co-occurrence goes through `also`.
const Rule kRules[] = {
    // ---- Phishing: credential and account lures ------------------------------------------
    {kPhishing, 2.0, "asks to verify or confirm an account",
     R"((verify|confirm|validate|reactivate|re-?activate|re-?confirm|update|secure|restore|unlock)\s+(your\s+|the\s+)?(e-?mail\s+|online\s+|bank\s+|paypal\s+|ebay\s+|apple\s+|microsoft\s+|real\s+)?(account|identity|password|login|credentials|mailbox|wallet|billing|payment\s+(info|information|details|method)|card\s+details))"},
    {kPhishing, 2.0, "asks to verify or confirm an account (pt/es)",
     R"(\b(verifi|confirm|atualiz|actualiz|valid|regulariz|desbloque|reativ|reactiv)[a-z]*\s+(os\s+|as\s+|o\s+|a\s+|seus\s+|sus\s+|tus\s+|sua\s+|seu\s+|su\s+|tu\s+|de\s+|da\s+|do\s+)?(dados|datos|cadastro|conta|cuenta|identidade|identidad|informac|acesso|acceso|cartao|tarjeta))"},
    {kPhishing, 2.0, "asks to verify or confirm an account (de)",
     R"(\b(konto|daten|identitat|zugang|angaben|kundendaten|kontodaten|karte)\s+(zu\s+|jetzt\s+|umgehend\s+|erneut\s+)?(verifizieren|bestatigen|aktualisieren|validieren|entsperren|reaktivieren)|(verifizieren|bestatigen|aktualisieren)\s+sie\s+(jetzt\s+|bitte\s+|umgehend\s+)?(ihr|ihre|ihren|die))"},
    {kPhishing, 2.0, "asks to verify or confirm an account (fr)",
     R"(\b(verifier|confirmer|mettre\s+a\s+jour|valider|reactiver|debloquer|actualiser)\s+(votre|vos|ton|tes)\s+(compte|identite|informations|donnees|coordonnees|acces|carte|profil))"},
    {kPhishing, 2.0, "asks to verify or confirm an account (nl)",
     R"(\b(verifieer|bevestig|controleer|update|activeer|deblokkeer)\s+(uw|je|jouw|nu\s+uw|nu\s+je)\s+(account|gegevens|identiteit|rekening|pas|bankpas)|(uw|je|jouw)\s+(gegevens|account|identiteit)\s+(te\s+)?(verifieren|bevestigen|controleren|bij\s+te\s+werken))"},
    {kPhishing, 2.0, "says the account is suspended, locked or limited",
     R"((account|wallet|card|access|membership|mailbox|service)\s+(has\s+been\s+|have\s+been\s+|is\s+|was\s+|will\s+be\s+|could\s+be\s+|may\s+be\s+|might\s+be\s+|is\s+about\s+to\s+be\s+|are\s+)?(temporarily\s+|permanently\s+|indefinitely\s+)?(suspended|locked|limited|restricted|disabled|deactivated|blocked|closed|frozen|terminated|on\s+hold)|(been|being)\s+(temporarily\s+|indefinitely\s+|randomly\s+)?(suspended|flagged)|flagged\s+(account|for\s+review)|(will|would)\s+be\s+(deactivated|deleted|terminated|suspended|closed)|asset\s+freeze|(suspension|deactivation|closure|termination)\s+of\s+(your|the)\s+account|restricted\s+your\s+account|(intend|plan|going)\s+to\s+(block|close|delete|suspend|deactivate)\s+(it|your\s+account|the\s+account))"},
    {kPhishing, 2.0, "says the account is blocked (pt/es/fr/de/nl)",
     R"((conta|cuenta|cartao|tarjeta|acesso|acceso)\s+(foi\s+|sera\s+|esta\s+|ha\s+sido\s+|fue\s+|esta\s+sendo\s+)?(temporariamente\s+|temporalmente\s+)?(bloquead|suspens|suspendid|desativad|desactivad|restrit|restringid|encerrad|cancelad|limitad)|compte\s+(a\s+ete\s+|sera\s+|est\s+|va\s+etre\s+)?(temporairement\s+)?(suspendu|bloque|desactive|restreint|ferme|limite|verrouille)|(konto|zugang|karte|account|postfach)\s+(wurde\s+|wird\s+|ist\s+)?(vorubergehend\s+|vorlaufig\s+|dauerhaft\s+)?(gesperrt|eingeschrankt|deaktiviert|geschlossen|blockiert)|(sperrung|einschrankung|deaktivierung)\s+(ihres|des|deines)|bloqueio\s+(de|da)\s+(sua\s+)?(conta|cartao)|(bloqueo|suspension)\s+de\s+(su\s+|tu\s+)?cuenta|(account|rekening|pas|bankpas)\s+(is\s+|wordt\s+|werd\s+|zal\s+worden\s+)?(tijdelijk\s+)?(geblokkeerd|opgeschort|gedeactiveerd|beperkt|afgesloten))"},
    {kPhishing, 1.5, "reports unusual activity or sign-in",
     R"((unusual|suspicious|unauthori[sz]ed|irregular|unrecogni[sz]ed|strange)\s+(sign[- ]?in|log[- ]?in|activity|activities|access|transaction|attempt|charge|payment)|someone\s+(tried|attempted)\s+to\s+(log|sign|access)|(many|several|multiple)\s+(failed\s+)?(login|log\s+in|password)\s+(attempts|failures)|different\s+computers\s+have\s+logged|new\s+sign-?in\s+(to|on|from))"},
    {kPhishing, 1.5, "reports unusual activity or sign-in (pt/es/fr/de/nl)",
     R"((atividade|actividad|activite|transacao|transaccion|acesso|acceso|connexion|aktivitat|anmeldung|aktivitaten|activiteit|aanmelding|inlogpoging)\s+(suspeita|incomum|sospechosa|inusual|suspecte|inhabituelle|inhabituel|nao\s+autorizad|no\s+autorizad|verdachtige|ongebruikelijke)|(verdachtige|ongebruikelijke|ungewohnliche|verdachtige|ungewohnlichen|verdachtigen)\s+(activiteit|aanmelding|aktivitat|anmeldung|aktivitaten|transaktion|zugriff|inlogpoging)|(novo|nuevo)\s+(acesso|acceso|inicio\s+de\s+sesion)\s+(a|na|en)\s+(sua|su|tu)\s+(conta|cuenta)|(acesso|acceso)\s+(de\s+|desde\s+)?(um|un)\s+(novo|nuevo)\s+dispositivo|acesso\s+indevido|foi\s+acessada\s+a\s+partir|nao\s+reconheco\s+(este|esse)\s+acesso|neue[rs]?\s+(anmeldung|zugriff)\s+(auf|bei)\s+(ihr|ihrem|dein|deinem)\s+konto|nouvelle\s+connexion\s+a\s+votre\s+compte)"},
    {kPhishing, 1.5, "password, mailbox or storage expiry lure",
     R"((password|mailbox|e-?mail\s+account)\s+(will\s+)?(expire|expires|expired|is\s+full|quota|storage\s+(is\s+)?full)|(mailbox|storage|e-?mail)\s+quota|storage\s+(is\s+)?(almost\s+|nearly\s+)?full|(reached|exceeded)\s+(your|the)\s+(storage|mailbox|quota)|speicher(platz|limit)?\s+(ist\s+)?(voll|belegt|fast\s+voll)|speicherlimit\s+erreicht|stockage\s+(est\s+)?(plein|sature|presque\s+plein)|armazenamento\s+(esta\s+)?(cheio|lotado|quase)|almacenamiento\s+(esta\s+)?(lleno|casi)|opslag(ruimte)?\s+(is\s+)?(vol|bijna\s+vol)|(files|photos|fotos|dateien|fichiers|arquivos|archivos|bestanden)\s+((y|e|and|et|und|en)\s+(videos|video's|documentos|documents)\s+)?(will\s+be\s+|werden\s+|seront\s+|serao\s+|seran\s+|worden\s+)(deleted|geloscht|supprimes|excluidos|eliminados|verwijderd))"},
    {kPhishing, 1.0, "click-to-login instruction",
     R"((click|tap|follow|use|visit)\s+(on\s+)?(here|below|the\s+(link|button)(\s+below)?)\s+to\s+(verify|confirm|login|log\s+in|sign\s+in|restore|unlock|update|validate|reactivate|keep|access|review|continue|claim|secure)|(klicken|tippen)\s+sie\s+(hier|auf|unten|jetzt)|cliquez\s+(ici|sur|ci-dessous)|(clique|toque)\s+(aqui|no\s+botao|abaixo|no\s+link)|(haga|haz|pulse|pulsa)\s+(clic|click)|klik\s+(hier|op|onderstaande))"},
    {kPhishing, 1.0, "security alert wording",
     R"(security\s+(alert|notice|notification|update|check|measure|center|department|team)|important\s+(notice|information)\s+regarding\s+your|fraud\s+(prevention|alert|department)|sicherheits(hinweis|warnung|uberprufung|abteilung|update)|alerte\s+de\s+securite|aviso\s+de\s+seguran[cz]a|alerta\s+de\s+seguridad|beveiligings(melding|waarschuwing|update))"},
    {kPhishing, 0.5, "account-holder brand (bank, payment, mail or parcel service)",
     R"(\b(paypal|ebay|chase|bank\s+of\s+america|wells\s+fargo|citibank|barclays|hsbc|lloyds|natwest|santander|amazon|apple\s+id|icloud|microsoft|office\s*365|outlook|onedrive|sharepoint|docusign|netflix|dhl|fedex|usps|royal\s+mail|metamask|coinbase|binance|trust\s*wallet|webmail|internal\s+revenue|irs|hmrc|bradesco|itau|banco\s+do\s+brasil|caixa|nubank|livelo|sparkasse|volksbank|postbank|commerzbank|deutsche\s+bank|ing|rabobank|abn\s+amro|postnl|belastingdienst|la\s+poste|colissimo|chronopost|credit\s+agricole|societe\s+generale|bnp|correos|bbva|caixabank|ctt|key\s*bank|regions\s+bank|suntrust|southtrust|us\s+bank|washington\s+mutual|visa|mastercard|american\s+express|amex|ledger|kraken|crypto\.com)\b)"},
    {kPhishing, 1.0, "asks for card or login details",
     R"((credit\s+card|card\s+number|cvv|cvc|pin\s+(code|number)|social\s+security|\bssn\b|login\s+details|user\s*name\s+and\s+password|online\s+banking|mother'?s\s+maiden|kreditkarte|kartendaten|zugangsdaten|tan-?nummer|push-?tan|numero\s+(de\s+)?(carte|cartao|tarjeta)|donnees\s+bancaires|dados\s+(do\s+)?cartao|senha|contrasena|mot\s+de\s+passe|passwort|wachtwoord|inloggegevens|pincode))", R"(\b(enter|provide|confirm|verify|update|submit|fill\s+(in|out)|re-?enter|validate|eingeben|bestatigen|saisir|confirmer|informe|digite|confirme|introduzca|invoer|bevestig)\b)"},
    {kPhishing, 1.0, "deadline threat against the account",
     R"((within|in|next)\s+(24|48|72|twenty[- ]four|forty[- ]eight)\s+hours|failure\s+to\s+(comply|verify|update|confirm|do\s+so)|permanently\s+(deleted|closed|suspended|disabled|lost)|innerhalb\s+(von\s+|der\s+nachsten\s+)?(24|48|72)\s+stunden|(dans|sous)\s+(les\s+)?(24|48|72)\s*h|(em|dentro\s+de|en|en\s+las\s+proximas)\s+(24|48|72)\s+horas|binnen\s+(24|48|72)\s+uur|(expires?|expiring|expiram|expiran|expirent|verfallen|verlopen|vencem|vencen)\s+(today|hoje|hoy|aujourd'?hui|heute|vandaag|em\s+breve|soon)|(expirando|vencendo)\s+(hoje|em\s+breve)|prestes\s+a\s+expirar|proximos\s+de\s+(vencer|expirar)|last\s+(warning|reminder|notice)|final\s+(notice|warning|reminder)|letzte\s+(mahnung|erinnerung|warnung)|dernier\s+(rappel|avertissement)|ultimo\s+aviso|laatste\s+(herinnering|waarschuwing))"},
    {kPhishing, 1.5, "shared-document, voicemail or QR-code lure",
     R"((shared\s+(a\s+)?(document|file|folder|pdf)s?\s+with\s+you|has\s+been\s+shared\s+with\s+you|(view|review|open|download|access|read)\s+(the\s+)?(shared\s+|secure\s+|encrypted\s+|attached\s+)?(document|invoice|file|message|pdf|fax)s?\b|you\s+have\s+(a\s+)?(new\s+)?(\d+\s+)?(voice\s*mail|fax|secure\s+message|encrypted\s+message|pending\s+(message|document|e-?mail|delivery)s?)|incoming\s+messages?\s+(were|are|have\s+been)\s+(held|pending|blocked|suspended)|scan\s+(the|this)\s+qr|qr[- ]?code\s+(below|to|with)|dokument\s+(ansehen|anzeigen|offnen)|(document|fichier)\s+(partage|securise)|documento\s+(compartilhado|compartido)))"},
    {kPhishing, 2.0, "parcel or delivery lure",
     R"(((parcel|package|shipment|delivery|order)\s+(is\s+|was\s+|has\s+been\s+|could\s+not\s+be\s+|cannot\s+be\s+)?(on\s+hold|held|suspended|pending|undeliverable|delivered\s+unsuccessfully|returned|delayed)|(customs|shipping|delivery|redelivery|re-delivery)\s+(fee|charge|duty|costs?)|schedule\s+(a\s+)?(re-?delivery|delivery)|(unable|failed)\s+to\s+deliver|paket\s+(konnte\s+nicht|wird\s+zuruck|ist\s+unterwegs|wartet)|zustellung\s+(fehlgeschlagen|nicht\s+moglich)|zollgebuhr|colis\s+(est\s+|a\s+ete\s+)?(en\s+attente|bloque|retenu|n'a\s+pas\s+pu)|frais\s+de\s+(livraison|douane|port|reexpedition)|(encomenda|pacote|encomienda|paquete)\s+(esta\s+|foi\s+|ha\s+sido\s+)?(retid|pendente|pendiente|aguardando|bloquead|devolvid)|taxa\s+(de\s+)?(entrega|envio|alfandega|alfandegaria)|gastos\s+de\s+(envio|aduana)|pakket(je)?\s+(kon\s+niet|is\s+niet|wacht|ligt)|(bezorg|verzend|invoer)kosten|(taxad|retid|bloquead|apreendid)[oa]\s+(e\s+bloquead[oa]\s+)?(pela|na)\s+(fiscalizacao|alfandega|receita\s+federal)|fiscalizacao\s+(aduaneira|alfandegaria)|(taxa|imposto|tributo)s?\s+de\s+importacao|liberacao\s+(da\s+|do\s+|de\s+)?(sua\s+|seu\s+)?(encomenda|pedido|objeto|remessa|envio\s+postal)|mislukte\s+levering|opgeschorte\s+pakket))"},
    {kPhishing, 2.0, "toll, fine or tax-refund lure",
     R"((unpaid|outstanding|overdue)\s+(toll|tolls|fine|invoice|balance|tax)|toll\s+(charges?|payment|balance|bill|violation)|e-?zpass|tax\s+refund|refund\s+(of\s+)?(\$|€|£)?\d|eligible\s+(for|to\s+receive)\s+a\s+(tax\s+)?refund|steuer(ruckerstattung|erstattung)|remboursement\s+(d'?impots?|fiscal)|restituicao|receita\s+federal|belastingteruggave|teruggave|devolucion\s+(de\s+)?(impuestos|hacienda)|agencia\s+tributaria|impots\.gouv|(amende|multa|boete|bussgeld)\s+(impayee|pendente|pendiente|openstaand)|infracao\s+(de\s+transito\s+)?(pendente|vencida|em\s+aberto)|(regularize|regularizar)\s+(a\s+|sua\s+|a\s+sua\s+)?(cnh|situacao|pendencias?|infracao)|\bcnh\s+(esta\s+)?(em\s+risco|suspensa|bloqueada|cancelada))"},
    {kPhishing, 2.0, "crypto-wallet lure (seed phrase, airdrop, wallet sync)",
     R"((connect|validate|synchroni[sz]e|sync|verify|secure|migrate|restore|rectify)\s+(your\s+)?wallet|\bairdrop\b|claim\s+(your\s+)?(tokens?|airdrop|rewards?|allocation|nft|xrp|eth|btc|usdt)|(staking|stake)\s+(your|reward|feature)|token\s+(allocation|distribution)|wallet\s+(will\s+be|has\s+been|is)\s+(suspended|deactivated|locked|frozen|disabled|restricted)|(wallet|device|firmware)\s+(may\s+be|might\s+be|has\s+been|was|is)\s+(breached|compromised|vulnerable)|scan\s+(your|the)\s+(device|wallet|ledger|iedger|firmware)|must\s+re-?identify|identification\s+required)"},
    {kPhishing, 2.0, "asks for a wallet recovery phrase",
     R"((seed|recovery|secret|mnemonic|backup)\s+(phrase|words)|private\s+key\s+(of|for)\s+your\s+wallet|(12|24)[- ]word\s+(phrase|seed))"},
    {kPhishing, 1.5, "loyalty points expiry or bonus lure",
     R"(\b(bb)?(pontos|points|punkte|puntos|punten|pontuacao|milhas)\b)", R"((expir|vencer|vencem|venc|resgat|canjea|einlos|verfallen|verlopen|redeem|perder|perda|perte))"},
    {kPhishing, 1.0, "dear-customer greeting",
     R"(dear\s+(valued\s+)?(customer|member|client|user|account\s*holder|ebay\s+member|paypal\s+(user|member|client|customer)|[a-z]+\s+(bank\s+)?customer)|sehr\s+geehrte[rs]?\s+(kunde|kundin|nutzer)|liebe[rs]?\s+(kunde|kundin|nutzer)|cher\s+(client|utilisateur)|chere\s+cliente|prezad[oa]\s+(cliente|client|sr|usuario)|caro\s+cliente|estimad[oa]\s+(cliente|usuario)|beste\s+(klant|gebruiker)|geachte\s+(klant|heer|mevrouw))"},
    {kPhishing, 1.0, "account data update request",
     R"((account|billing|personal|security)\s+(information|info|details|records?)\s+(needs?|has)\s+to\s+be\s+(updated|verified|confirmed)|we\s+(regret\s+to\s+inform|need\s+you\s+to|are\s+unable\s+to\s+verify)|(update|confirm|verify)\s+(your\s+)?(billing|payment|account)\s+(information|info|details|records)|(records|system)\s+(indicate|show|has\s+shown)\s+that|your\s+(account|wallet|card)\s+(has\s+not|hasn'?t)\s+(yet\s+)?been\s+verified|kyc|know\s+your\s+customer)"},
    // ---- Malware delivery ----------------------------------------------------------------
    {kMalware, 1.0, "invoice or document attachment lure",
     R"((see|find|open|check|review|download)\s+(the\s+)?(attached|attachment|enclosed)|attached\s+(is|you\s+will\s+find|please\s+find)|im\s+anhang|ci-joint|en\s+pi[e]ce\s+jointe|em\s+anexo|anexo\s+(abaixo|segue)|adjunto|in\s+de\s+bijlage|bijgevoegd)"},
    // ---- Advance-fee fraud ---------------------------------------------------------------
    {kAdvanceFee, 2.0, "large sum to be transferred",
     R"((\$|usd|us\$|eur|gbp|£|€)\s?\d{1,3}([,. ]\d{3}){2,}(\.\d+)?|\d{1,3}([,. ]\d{3})*(\.\d+)?\s*(million|billion|milhoes|millones|millionen|millions|miljoen)\s+(of\s+|de\s+)?(us\s+)?(dollars|usd|euros?|pounds|dolares|dollar)|(sum|amount|fund|funds)\s+of\s+(\(?us\$|\$|usd|eur|£|€)|(us\$|\$|€|£|usd|eur)\s?\d+([.,]\d+)?\s*(million|milhoes|millones|millionen|millions|miljoen|mio\b))"},
    {kAdvanceFee, 2.0, "next-of-kin or beneficiary story",
     R"(next\s+of\s+kin|\bbeneficiary\b|late\s+(client|husband|father|customer|wife)|deceased|inheritance|unclaimed\s+(fund|deposit|inheritance|assets?)|(heranca|herencia|erbschaft|heritage|erfenis)\b|compensation\s+(fund|payment)|fund\s+release|release\s+of\s+(your|the)\s+fund|\b(falecido|fallecido|verstorbene[nr]?|defunt|overledene)\b)"},
    {kAdvanceFee, 1.5, "unsolicited donation or charity grant",
     R"(\b(donat(e|ed|ion|ing)|doacao|doar|donacion|donar|spende|spenden|don\s+de|schenking)\b)", R"((million|milhoes|millones|\$\s?\d|€\s?\d|£\s?\d|\d\s?(usd|eur|euro)|random\s+(e-?mails?|people|individuals)|selected|selecionad|seleccionad|ausgewahlt|selectionne|geselecteerd))"},
    {kAdvanceFee, 1.5, "proposal of a confidential business transaction",
     R"((confidential|private|secret)\s+(business\s+)?(proposal|transaction|deal)|business\s+proposal|mutual\s+benefit|foreign\s+partner|strictest\s+confidence|urgent\s+(assistance|business|reply|response)|proposta\s+de\s+negocio|propuesta\s+de\s+negocio|proposition\s+d'affaires|geschaftsvorschlag)"},
    {kAdvanceFee, 1.5, "official or banker persona",
     R"(\b(barrister|attorney\s+at\s+law|bank\s+manager|auditor|director\s+of\s+(the\s+)?(bank|operations|audit|foreign)|minister\s+of|diplomat|united\s+nations|central\s+bank|reserve\s+bank|ministry\s+of\s+finance|widow|refugee|army\s+general|sgt\.?|sergeant|captain|world\s+bank|imf|european\s+central\s+bank|fbi|interpol)\b)"},
    {kAdvanceFee, 1.5, "transfer of funds to a foreign account",
     R"((transfer|remit|move)\s+(of\s+)?(this|the|these)?\s*(funds?|money|sum|consignment)|(atm|visa)\s+card\s+(worth|valued|loaded)|diplomatic\s+(courier|consignment)|consignment\s+box|security\s+company|(your|the)\s+(bank|banking)\s+details)"},
    {kAdvanceFee, 1.5, "lottery or award notification",
     R"(\b(won|winner|winning|awarded|selected|ganhou|ganador|gagnant|gewonnen|gewinner|vencedor)\b)", R"(\b(lottery|lotto|sweepstakes?|jackpot|loteria|lotterie|loterij|euromillions?|powerball|el\s+gordo)\b|claim\s+(your|the)\s+(prize|winnings|award|fund))"},
    {kAdvanceFee, 1.0, "money-transfer service requested",
     R"(western\s+union|money\s*gram|ria\s+money|wire\s+transfer\s+fee|processing\s+fee|clearance\s+(fee|certificate)|release\s+(of\s+)?(the\s+)?fund|administrative\s+(fee|charges)|delivery\s+of\s+your\s+(fund|consignment|atm))"},
    {kAdvanceFee, 0.8, "typical advance-fee wording",
     R"(\bkindly\b|\bdearest\b|\bgod\s+bless\b|\breply\s+(urgently|immediately)\b|\bmy\s+dear\b|\bcompensation\b|\bpercent(age)?\s+(of|for)\s+(the\s+)?(total|fund|sum)|\bfor\s+your\s+(assistance|co-?operation)\b|\bi\s+am\s+(mrs|mr|dr|barrister|a\s+widow|the\s+(manager|director|chairman))\b|\bget\s+back\s+to\s+me\b)"},
    {kAdvanceFee, 3.0, "private loan offer",
     R"((loan|loans)\s+(offer|at\s+(a\s+)?(low\s+)?(interest\s+)?rate\s+of|lender|to\s+individuals)|(oferta\s+de\s+)?(emprestimo|prestamo)s?\s+(a|com|con|de)\s+(uma\s+|una\s+)?(taxa|tasa|juros|interes)|(offre\s+de\s+pret|pret\s+entre\s+particuliers)|(darlehen|kredit)\s+(angebot|zu\s+einem\s+zinssatz)|lening\s+(aanbod|tegen)|(interest\s+rate|taxa\s+de\s+juros|tasa\s+de\s+interes|taux\s+d'interet|zinssatz)\s+(of\s+|de\s+|del\s+|von\s+|da\s+)?\d+(\.\d+)?\s*%)"},
    // ---- Extortion / sextortion ----------------------------------------------------------
    {kExtortion, 2.5, "claims to have recorded the recipient",
     R"(\b(recorded|recording|video|videos|footage|screenshots?|gravei|gravado|grabado|aufgenommen|enregistre|opgenomen)\b)", R"(\b(webcam|web\s+cam|camera|kamera|camara|cam)\b)"},
    {kExtortion, 2.0, "claims to control the recipient's device or account",
     R"((hacked|infected|access\s+to|control\s+(of|over)|compromised)\s+(your|all\s+your)\s+(device|computer|phone|account|e-?mail|system|contacts|operating\s+system)|(installed|planted)\s+(a\s+)?(malware|virus|trojan|spyware|\brat\b|software|pegasus)|(ich|wir)\s+(habe|haben)\s+(ihr|dein|ihren|deinen)\s+(gerat|computer|konto)|j'ai\s+(pirate|hacke|acces\s+a)|(hackeei|invadi|hackee)\s+(seu|su|tu))"},
    {kExtortion, 2.0, "threat to send compromising material to contacts",
     R"((send|share|forward|leak|publish|distribute|spread)\s+(it|this|the\s+video|the\s+recording|them)?\s*(to\s+)?(all\s+)?(of\s+)?your\s+(contacts|friends|family|colleagues|relatives)|adult\s+(web)?sites?|porn(ographic)?\s+(site|video|websites?)|masturbat)"},
    {kExtortion, 1.5, "payment demand with deadline",
     R"(\b(pay|send|transfer|zahlen|payer|pagar)\b)", R"(\b(bitcoin|btc)\s+(wallet|address|adresse|endereco)|(48|24|72)\s+hours\s+to\s+(pay|make|transfer)|you\s+have\s+(48|24|72)\s+hours|in\s+bitcoin|en\s+bitcoin|in\s+btc)"},
    {kExtortion, 1.0, "quotes a password as proof",
     R"(\b(i\s+know|your)\s+password\b|password\s+is\b)"},
    {kExtortion, 2.0, "fake police or court summons",
     R"((convocation|summons|citation|vorladung|intimacao|citacion)\b)", R"((police|gendarmerie|europol|interpol|cybercrime|brigade|tribunal|court|gericht|policia|politie|pornograph|pedopornograph|child\s+porn))"},
    // ---- Other scams ---------------------------------------------------------------------
    {kOtherScam, 1.5, "work-from-home, job or easy-money offer",
     R"(work\s+(from|at)\s+home|earn\s+(up\s+to\s+)?(\$|£|€)?\d+[,.\d]*\s*(\$|£|€|usd|eur)?\s*(per|a|each|every)\s+(day|week|hour|month)|make\s+money\s+(fast|online|from\s+home)|financial\s+freedom|be\s+your\s+own\s+boss|mystery\s+shopper|(remote|part[- ]time|online|home[- ]based)\s+(job|jobs|work|position|assistant)|job\s+(offer|opportunity)|(daily|weekly)\s+(pay|salary|earnings)|(trabalh[eo]|trabajo|trabaja)\s+(de|desde)\s+casa|(nebenjob|heimarbeit|nebenverdienst)|geld\s+verdienen|ganhar\s+dinheiro|ganar\s+dinero|gagner\s+de\s+l'?argent|(bijverdienen|thuiswerk)|offre\s+d'emploi|oferta\s+de\s+(emprego|trabajo)|stellenangebot|everybody\s+gets\s+paid|income\s+(opportunity|potential)|(monthly|residual|passive)\s+income)"},
    {kOtherScam, 1.5, "investment or crypto profit promise",
     R"((guaranteed|huge|massive|high|daily|weekly)\s+(returns?|profits?|yields?|interest)|(crypto|bitcoin|forex|trading|ai)\s+(investment|opportunity|platform|profit|bot|trading|robot)|double\s+your\s+(money|bitcoin|investment|crypto)|stock\s+(alert|pick|tip)|hot\s+stock|penny\s+stock|explosive\s+(growth|gains)|\d+\s*%\s+(yields?|returns?|profit|apy|apr|rendite|rendimento|rendimiento)|(portfolio|wallet|account)\s+has\s+been\s+(funded|credited)|(invest|investir|investieren|invertir|beleggen)\s+(only|just|nur|seulement|apenas|solo|slechts)?\s*(\$|€|£)?\d+|passive[rs]?\s+einkommen|renda\s+(extra|passiva)|elon\s+musk|investment\s+(inquiry|proposal|opportunity))"},
    {kOtherScam, 1.5, "fake invoice, renewal or refund (call-back scam)",
     R"((order|payment|subscription|renewal|purchase|transaction|invoice)\s+(has\s+been\s+|was\s+|is\s+|have\s+been\s+)?(successfully\s+)?(confirmed|processed|renewed|charged|completed|placed|done)|(you\s+have\s+been|you'll\s+be|you\s+will\s+be|account\s+will\s+be)\s+charged|(auto-?renewal|renewal\s+(notice|confirmation|date))|thank\s+you\s+for\s+(your\s+)?(purchase|order|payment)|(invoice|billing|transaction)\s+(id|no|number)\s*[:#])", R"(if\s+you\s+(did\s+not|didn'?t)\s+(authori[sz]e|make|place|request|recogni[sz]e)|call\s+(us\s+)?(now|immediately|at|our|the)|cancel\s+(the|this|your)\s+(order|subscription|payment|renewal)|(refund|cancel|dispute)\s+.*(call|contact)|(helpline|toll[- ]free|support\s+(number|line))|(norton|mcafee|geek\s+squad|lifelock|avast|kaspersky|paypal|best\s+buy))"},
    {kOtherScam, 2.0, "fake virus alert or tech-support scare",
     R"((virus(es)?|malware|trojans?|threats?|spyware)\s+(detected|found|were\s+found|has\s+been\s+detected)|(viruses|threats)\s+detected|your\s+(computer|device|pc|phone|iphone|mac|system)\s+(is|has\s+been|may\s+be|might\s+be|was)\s+(infected|at\s+risk|compromised|hacked|damaged)|(remove|clean)\s+(the\s+)?(virus|viruses|threats?)|virus_detec|tech(nical)?\s+support\s+(team|number))"},
    {kOtherScam, 1.5, "antivirus subscription renewal lure",
     R"(\b(norton|mcafee|avast|kaspersky|antivirus|geek\s+squad|lifelock|total\s*av|microsoft\s+defender|windows\s+defender)\b)", R"((protection|subscription|license|licence|membership)\s+(has\s+)?(expired|expires|is\s+expiring|renewed|will\s+renew)|auto-?renew|renewal\s+(notice|confirmation|invoice)|(you\s+have\s+been|will\s+be|has\s+been)\s+charged|total\s+(invoice\s+)?amount|(erneuern|verlangern)\s+sie\s+(ihr|ihre)|abonnement\s+(ist\s+)?abgelaufen)"},
    {kOtherScam, 1.5, "romance or dating lure",
     R"((lonely|single|hot|sexy|beautiful|naughty|horny|russian|ukrainian|asian|local)\s+(women|ladies|girls|woman|girl|singles|wives|brides|moms|milfs)|looking\s+for\s+(a\s+)?(serious\s+)?(relationship|man|husband|love|partner)|i\s+saw\s+your\s+(profile|photo)|(dating|singles)\s+(site|community|club|service|app)|private\s+(photos|pictures|fotos|video)|(frauen|damen|madchen|singles)\s+(in\s+deiner|aus\s+deiner|warten)|(femmes|filles)\s+(russes|seules|chaudes|celibataires|vous\s+attendent)|(mulheres|garotas|meninas|chicas|mujeres)\s+(solteiras|russas|calientes|solteras|rusas)|(meisjes|vrouwen)\s+(uit|zoeken|wachten)|(oekraiense|russische)\s+(meisjes|vrouwen)|traumliebe|(hot|hete|heisses?)\s+(date|dating)|want\s+to\s+(meet|chat|date)\s+(you|with\s+you)|find\s+(your|a)\s+(soulmate|girlfriend|wife|date)|(heisse\s+)?(ukrainische|russische)\s+(singles|frauen|madchen)|(filles|femmes|beautes)\s+(ukrainiennes|russes)|(oekraiens|russisch)e?\s+meisjes?|hete\s+date|dream\s+girl)"},
    {kOtherScam, 2.5, "prize, gift-card or reward bait",
     R"((you('ve|\s+have)\s+(been\s+)?(won|selected|chosen)|gift\s+card|giftcard|free\s+(iphone|ipad|gift|reward|samsung)|congratulations[!,.]?\s+(you|your)|exclusive\s+rewards?|(claim|collect|receive)\s+your\s+(free\s+)?(reward|gift|prize|bonus)|(rewards?|prize|gift)\s+(is\s+)?(waiting|pending|has\s+arrived|have\s+arrived|awaits)|mystery\s+box|loyalty\s+(program|reward|gift)|(complete|take)\s+(a|our|the|this)\s+(short\s+|quick\s+)?survey|you\s+are\s+(our|the)\s+(lucky\s+)?(winner|\d+(st|nd|rd|th)\s+visitor)|(gewinnspiel|gewinnchance|gewinnen\s+sie|gewinne\s+(einen|eine|ein|jetzt)|gutschein\s+im\s+wert|geschenkkarte|geschenkgutschein|sie\s+wurden\s+(ausgewahlt|ausgelost)|du\s+wurdest\s+(fur|ausgewahlt)|auserwahlt|herzlichen\s+gluckwunsch|gluckwunsch!)|(vous\s+avez\s+(gagne|ete\s+selectionne)|carte\s+cadeau|bon\s+d'achat|felicitations)|(parabens|voce\s+(ganhou|foi\s+selecionad|foi\s+sorteado)|vale[- ]presente|cartao[- ]presente|premio\s+(exclusivo|especial))|(gefeliciteerd|je\s+hebt\s+(gewonnen|een\s+prijs)|u\s+heeft\s+gewonnen|cadeaukaart|cadeaubon|waardebon)|(enhorabuena|felicidades|has\s+ganado|ha\s+ganado|tarjeta\s+regalo|tarjeta\s+de\s+regalo)|(umfrage|enquete|pesquisa|sondage|encuesta)\s+(teil|participe|participez|deelnemen|abschliessen)))"},
    {kOtherScam, 1.5, "asks to phone a number to dispute a charge (call-back scam)",
     R"(if\s+you\s+(did\s+not|didn'?t|do\s+not|don'?t)\s+(authori[sz]e|make|place|request|recogni[sz]e)\s+(this|the)\s+(purchase|transaction|order|payment|charge|renewal)|(want|wish)\s+to\s+cancel\s+(the\s+|this\s+)?(subscription|order|renewal|purchase|payment)\b|(caso|se)\s+(nao\s+reconheca|desconheca)|(si\s+no\s+reconoce|si\s+vous\s+ne\s+reconnaissez\s+pas))", R"(\+1\s*\(?8[0-8]{2}\)?[\s.-]*\d{3}|\(8[0-8]{2}\)\s*\d{3}[\s.-]*\d{4}|\b1[\s.-]8[0-8]{2}[\s.-]\d{3}[\s.-]\d{4}|\b0800[\s-]?\d{3}|customer\s+care\s+(representative|number)|(call|ligue|llame|appelez)\s+(us\s+|para\s+|al\s+)?(at|on|now|immediately|a\s+area|o\s+numero|el\s+numero)|call\s+us\s+at)"},
    {kOtherScam, 2.5, "prize, voucher or reward bait (de/fr/es/pt/nl)",
     R"(gewinnmitteilung|wir\s+verlosen|an\s+der\s+verlosung|(gutschein|belohnung|geschenk|pramie|gewinn)\s+(auf\s+sie\s+|auf\s+dich\s+)?(wartet|ist\s+reserviert)|(hol\s+dir|holen\s+sie\s+sich|sichern\s+sie\s+sich)\s+(jetzt\s+)?(ihre|deine|ihren|deinen|ihr|dein)\s+(exklusive\s+)?(belohnung|pramie|gutschein|geschenk|gewinn)|eine\s+belohnung\s+zu\s+erhalten|(eres|es\s+usted)\s+(nuestro|el)\s+ganador|(obtener|reclamar)\s+(la|tu|su)\s+recompensa|(vous\s+etes|tu\s+es)\s+(notre|le)\s+gagnant|recompense\s+vip|vous\s+recompenser|(completez|repondez\s+a)\s+(le|ce|notre)\s+(court\s+)?sondage|voce\s+(e|foi)\s+(o\s+|nosso\s+)?(ganhador|vencedor|contemplado)|(u\s+bent|je\s+bent)\s+(onze|de)\s+(winnaar|gelukkige))"},
    {kOtherScam, 2.5, "reward or winner bait",
     R"(you('ve|\s+have)\s+earned\s+(a|an|your)\s+(reward|gift|bonus|prize)|you\s+(received|got)\s+(a|an)\s+reward|you\s+are\s+our\s+[a-z]+\s+winner|consumer\s+winner|time\s+for\s+us\s+to\s+give\s+thanks|reward\s+for\s+your\s+(loyalty|participation|involvement)|(get|claim|collect)\s+your\s+(reward|prize)\s+now)"},
    {kOtherScam, 1.5, "sexual or chat solicitation by a stranger",
     R"((wants|wanted)\s+to\s+(meet|chat|talk|date|fuck|suck|see)\s+(you|u|with\s+you)\b|(sent|send)\s+you\s+(a\s+)?(private\s+)?(message|photo|photos|picture|pictures)\b|hat\s+dir\s+eine\s+nachricht|(naked|nude|naakt|nackt|nackte)\s*(photos?|pics|pictures|fotos|bilder|foto's)|i'?m\s+a\s+(lonely|solitary|single)\s+([a-z]+\s+)?(female|woman|girl|lady)|where\s+(r|are)\s+(you|u)\s+from|casual\s+(sex|encounters?)|gelegenheitssex|(mit\s+diesen|mit)\s+frauen\s+zu\s+chatten|(opzoek|op\s+zoek)\s+naar\s+(iemand|een\s+spannende)|spannende\s+afspraak|(afspreken|daten|flirten)\s+(en|via|met)\s+|wir\s+wohnen\s+in\s+der\s+nahe|how\s+to\s+conquer|click\s+for\s+(a\s+)?date|sex\s+for\s+everyone|(rencontrer|rencontrez)\s+des\s+(beautes|filles|femmes))"},
    {kOtherScam, 2.0, "crypto balance bait with login details supplied",
     R"((wallet|portfolio|account)\s+(has\s+been|was|is)\s+(funded|credited)\s+with|(btc|bitcoin|usdt|eth)\s+balance\s+of)", R"((password|passcode|code)\s*:\s*[a-z0-9]|login\s+(with\s+)?(the\s+)?(below|bellow|following)\s+details)"},
    {kOtherScam, 2.5, "free crypto giveaway",
     R"((get|take|claim|receive)\s+(free\s+crypto|\d+([.,]\d+)?\s*(btc|eth|usdt|bitcoin))\b|(withdrawal|payout)\s+(error|address)|initiate\s+a\s+payment\s+to\s+your\s+(bitcoin|btc|crypto))"},
    // ---- Premium-rate and prize SMS (also seen in e-mail) -------------------------------
    {kOtherScam, 2.0, "prize or cash award claim",
     R"(\b(won|win|awarded|selected|guaranteed|chosen|entitled)\b)", R"((£|\$|€)\s?\d[\d,]*\s+(prize|cash|award|bonus|reward)|\b(prize|award|reward)\s+(guaranteed|claim)|claim\s+(code|no|number|ur|yr)\b|(claim|collect)\s+your\s+(prize|reward|cash|award)|\bu\s+have\s+(won|been\s+selected)|\bur\s+(prize|award|reward)|valid\s+\d+\s*hrs)"},
    {kOtherScam, 1.0, "urgent repeated contact attempt",
     R"(\burgent!|(2nd|second|final|3rd|last)\s+attempt\s+to\s+(contact|reach)|(we\s+are|we're)\s+trying\s+to\s+(contact|reach)\s+(you|u)\b)"},
    {kCommercial, 1.5, "premium-rate phone number",
     R"(\b0?9\d{9}\b|\b087\d{7,8}\b|\b0871[\d-]{7,}|\b0906\d{7}|\b0905\d{7})"},
    {kCommercial, 1.5, "per-message or per-minute charge",
     R"(\d+(\.\d+)?\s*p\s*(/|per|a)\s*(min|msg|txt|text|minute|message|week|wk|rcvd)\b|\b\d+ppm\b|\bp/min\b|\bstd\s+txt\s+rate|\bmsg\s+rate|\bnational\s+rate|(charged|costs?|cost\s+is)\s+(£|\$)\d+(\.\d+)?\s*(/|per|a)\s*(week|month|wk|msg)|\bcallcost\b|\btxts?\s+cost)"},
    {kCommercial, 2.0, "text a keyword to a short code",
     R"(\b(txt|text|send|reply|sms)\s+(\w+\s+)?(\w+\s+)?(\w+\s+)?(to|2)\s+\d{4,6}\b|\b(stop|end|unsub)\s+(to|2)\s+\d{4,6}\b|\b(reply|txt|text)\s+(yes|no|stop|win|now|date|end|real|wild|go|play|chat)\b)"},
    {kCommercial, 1.5, "mobile marketing offer (ringtones, free texts, prizes by SMS)",
     R"((free|freemsg|new|latest)\s+(ringtone|ringtones|polyphonic|tones|entry|msg|camera\s+phone|nokia|video\s+phone|mobile|texts|minutes|video|colour|color)|\bmobile\s+(update|upgrade)\b|\bcamcorder\b|\bt\s*&\s*cs\b|\b(16|18)\+\s*(only)?\b|\bsubscription\s+service|\bcust(omer)?\s+(serv(ice)?|care)\s+(announcement|on\s+\d|\d)|\bfreemsg\b|\bringtones?\b|\bwap\s+link|\bpobox\s*\d|\bsae\b|\bpoly(phonic)?\s+tones?|\bsecret\s+admirer)"},
    // ---- Commercial spam -----------------------------------------------------------------
    {kCommercial, 1.5, "opt-out or unsubscribe wording",
     R"(unsubscribe|opt[- ]?out|remove\s+(me|yourself)\s+from|to\s+be\s+(removed|taken\s+off)|no\s+longer\s+wish\s+to\s+receive|email\s+preferences|mailing\s+list|you\s+(are\s+)?receiv(ed|ing)\s+this\s+(e-?mail|message)\s+because|removal\s+instructions|one[- ]time\s+mailing|taken\s+off\s+(our|the)\s+list|(would\s+not|do\s+not|don'?t)\s+(like|wish|want)\s+to\s+receive|abmelden|abbestellen|newsletter\s+abbestellen|desinscrever|descadastr|desinscri|se\s+desabonner|desabonner|desinscrire|afmelden|uitschrijven|darse\s+de\s+baja|cancelar\s+(la\s+)?suscripcion|cancelar\s+inscricao)"},
    {kCommercial, 1.5, "sales call to action",
     R"(order\s+(now|today)|buy\s+(now|today)|shop\s+now|act\s+now|call\s+(now|today|toll[- ]free)|limited\s+time|special\s+offer|offer\s+expires|don'?t\s+miss|click\s+here|visit\s+our\s+(web)?site|sign\s+up\s+(now|today|for\s+free)|free\s+(trial|quote|consultation|shipping|sample|legal\s+advice|information)|best\s+price|lowest\s+price|jetzt\s+(kaufen|bestellen|sichern|testen|probieren|anmelden|teilnehmen|entdecken)|(compre|aproveite|garanta)\s+(ja|agora)|achetez\s+maintenant|profitez\s+(maintenant|de)|(bestel|koop)\s+(nu|vandaag)|compra\s+(ya|ahora)|(nur|seulement|apenas|solo|alleen)\s+(heute|aujourd'?hui|hoje|hoy|vandaag)|angebot\s+(endet|gilt)|oferta\s+(especial|limitada|exclusiva)|offre\s+(speciale|limitee|exclusive)|beperkte\s+tijd|tiempo\s+limitado|tempo\s+limitado)"},
    {kCommercial, 1.5, "price, discount or savings claim",
     R"(\d+\s*%\s*(off|discount|savings|rabatt|de\s+desconto|de\s+descuento|de\s+reduction|korting)|save\s+(up\s+to\s+)?(\$|£|€)?\d+|(\$|£|€)\s?\d+(\.\d\d)?\s+(only|per|each|value)|discount|wholesale|\bcheap\b|bargain|clearance\s+sale|coupon|promo(tion)?\s+code|\brabatt|\bgratis\b|kostenlos|\bdesconto|\bdescuento|\bkorting\b|\bpromocao|\bpromocion|\bsoldes\b|\breduction\b|\baanbieding|sonderangebot)"},
    {kCommercial, 1.5, "spam product category",
     R"(\b(viagra|cialis|levitra|penis|enlargement|male\s+enhancement|casino|replica\s+watches|rolex\s+replica|mortgage\s+rates?|refinanc[a-z]*|debt\s+(relief|consolidation|free)|out\s+of\s+debt|weight\s+loss|lose\s+weight|lose\s+\d+\s*(lbs|pounds|kg)|herbal|anti-?aging|seo\s+services?|web\s+traffic|bulk\s+e-?mail|e-?mail\s+addresses|million\s+e-?mail|lead\s+generation|toner\s+cartridges?|ink\s*jet\s+cartridges?|ink\s+cartridges?|university\s+diplomas?|online\s+pharmacy|submit\s+your\s+(web\s*)?site|search\s+engine\s+(ranking|placement|submission)|keto|gewichtsverlust|abnehmen|perte\s+de\s+poids|perder\s+peso|emagrecer|afvallen|zonnepanelen|solaranlage|paineis\s+solares|paneles\s+solares|solar\s+panels?|warez|xxx|adult\s+(dvd|movies|videos|entertainment)|hardcore|porn)\b)"},
    {kCommercial, 0.7, "product often advertised by spam",
     R"(\b(pharmacy|prescription|pills|diet|loans?|insurance\s+quotes?|credit\s+(score|report|repair)|vitamins|poker|betting|hearing\s+aids?|cbd|teens|sexy|diploma|work\s+at\s+home|child\s+support|lower\s+(your\s+)?(monthly\s+)?payments?)\b)"},
    {kCommercial, 1.0, "marketing superlatives",
     R"(100\s*%\s*(free|guaranteed|satisfaction|natural|kostenlos|gratis)|satisfaction\s+guaranteed|money[- ]back\s+guarantee|risk[- ]free|no\s+obligation|once\s+in\s+a\s+lifetime|exclusive\s+(deal|offer)|amazing|incredible\s+(offer|deal)|absolutely\s+free|you\s+won'?t\s+believe|(nicht|nie)\s+verpassen|ne\s+manquez\s+pas|nao\s+perca|no\s+te\s+pierdas|mis\s+dit\s+niet)"},
    {kCommercial, 0.8, "addressed to a purchased list",
     R"(dear\s+(friend|sir\s*(/|or)\s*madam|valued\s+(customer|member)|customer|member|user|homeowner|business\s+owner|webmaster|entrepreneur)|this\s+is\s+(not\s+)?(a\s+)?(spam|unsolicited)|sent\s+in\s+compliance|bill\s+s\.?\s*1618|\bcan-?spam\b|you\s+have\s+expressed\s+an\s+interest|i\s+saw\s+your\s+(listing|website|site)|(email|e-?mail)\s+address\s+(was\s+)?(obtained|collected))"},
};

RE2::Options SetOptions() {
  RE2::Options o;
  o.set_case_sensitive(true);  // input and patterns are lower-case
  o.set_log_errors(false);
  o.set_max_mem(256 << 20);
  return o;
}

// All patterns in one RE2 set: one pass over the text. (Splitting them over several smaller sets
// measured no faster on the SpamAssassin corpus.)
struct Compiled {
  RE2::Set set{SetOptions(), RE2::UNANCHORED};
  std::vector<int> primary, secondary;  // pattern indexes in `set` of each rule (-1: none)
  int count = 0;                        // patterns added
  bool ok = false;
  std::string error;
  Compiled() {
    auto add = [&](const char* pattern) {
      if (set.Add(pattern, &error) < 0) return -1;
      return count++;
    };
    for (const auto& r : kRules) {
      int i = add(r.pattern);
      if (i < 0) return;
      primary.push_back(i);
      secondary.push_back(r.also ? add(r.also) : -1);
      if (r.also && secondary.back() < 0) return;
    }
    ok = set.Compile();
  }
  // For each pattern, whether it occurs in `text`.
  std::vector<bool> Match(std::string_view text) const {
    std::vector<int> found;
    set.Match(text, &found);
    std::vector<bool> hit(count, false);
    for (int i : found)
      if (i >= 0 && i < count) hit[i] = true;
    return hit;
  }
  // Whether rule k fires given the patterns found: its pattern, and its `also` pattern if any.
  bool Fires(size_t k, const std::vector<bool>& hit) const {
    return hit[primary[k]] && (secondary[k] < 0 || hit[secondary[k]]);
  }
};

const Compiled& Rules() {
  static const Compiled c;
  return c;
}

// ---- Text folding --------------------------------------------------------------------------

struct FoldStats {
  int mixed_script_words = 0;  // words that mix Latin and Cyrillic look-alike letters
  std::string mixed_example;
  int styled_letters = 0;     // mathematical alphanumeric letters (𝕊𝕡𝕖𝕚𝕔𝕙𝕖𝕣)
  int invisible_in_words = 0;  // zero-width characters or soft hyphens between letters
};

// Latin-1 supplement letters (U+00C0..U+00FF) without their accents.
const char* const kLatin1Fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  //
    "d", "n", "o", "o", "o", "o", "o",  "x", "o", "u", "u", "u", "u", "y", "th", "ss",  //
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  //
    "d", "n", "o", "o", "o", "o", "o",  "/", "o", "u", "u", "u", "u", "y", "th", "y"};

// Cyrillic letters that look like Latin ones, by code point - 0x400; 0 when none.
char CyrillicLookalike(unsigned cp) {
  switch (cp) {
    case 0x410: case 0x430: return 'a';
    case 0x412: case 0x432: return 'b';
    case 0x415: case 0x435: return 'e';
    case 0x41a: case 0x43a: return 'k';
    case 0x41c: case 0x43c: return 'm';
    case 0x41d: case 0x43d: return 'h';
    case 0x41e: case 0x43e: return 'o';
    case 0x420: case 0x440: return 'p';
    case 0x421: case 0x441: return 'c';
    case 0x422: case 0x442: return 't';
    case 0x423: case 0x443: return 'y';
    case 0x425: case 0x445: return 'x';
    case 0x406: case 0x456: return 'i';
    case 0x408: case 0x458: return 'j';
    case 0x405: case 0x455: return 's';
    default: return 0;
  }
}

// Lower-cases and folds `in` for the phrase rules; collects evasion statistics.
std::string Fold(std::string_view in, FoldStats* st) {
  std::string out;
  out.reserve(in.size());
  size_t word_start_in = 0;
  bool word_latin = false, word_cyr = false;
  auto end_word = [&](size_t pos) {
    if (word_latin && word_cyr) {
      ++st->mixed_script_words;
      if (st->mixed_example.empty())
        st->mixed_example = SanitizeUtf8(in.substr(word_start_in, std::min<size_t>(pos - word_start_in, 40)));
    }
    word_latin = word_cyr = false;
    word_start_in = pos + 1;
  };
  auto prev_alpha = [&]() { return !out.empty() && IsAsciiAlpha(static_cast<unsigned char>(out.back())); };
  auto next_alpha = [&](size_t i) {
    return i < in.size() && (IsAsciiAlpha(static_cast<unsigned char>(in[i])) || static_cast<unsigned char>(in[i]) >= 0xc3);
  };
  for (size_t i = 0; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (IsAsciiAlpha(c)) word_latin = true;
      if (IsAsciiSpace(c) || c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?' ||
          c == '(' || c == ')' || c == '"' || c == '/' || c == '<' || c == '>')
        end_word(i);
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (i + len > in.size()) break;
    unsigned cp = 0;
    if (len == 2) cp = ((c & 0x1f) << 6) | (in[i + 1] & 0x3f);
    else if (len == 3) cp = ((c & 0x0f) << 12) | ((in[i + 1] & 0x3f) << 6) | (in[i + 2] & 0x3f);
    else if (len == 4)
      cp = ((c & 0x07) << 18) | ((in[i + 1] & 0x3f) << 12) | ((in[i + 2] & 0x3f) << 6) | (in[i + 3] & 0x3f);
    i += len;
    if (cp >= 0xc0 && cp <= 0xff) {
      out += kLatin1Fold[cp - 0xc0];
      word_latin = true;
    } else if (cp == 0xa0 || cp == 0x2002 || cp == 0x2003 || cp == 0x2009 || cp == 0x202f) {
      end_word(i - 1);
      out.push_back(' ');
    } else if (cp == 0xad || (cp >= 0x200b && cp <= 0x200d) || cp == 0xfeff || cp == 0x2060 ||
               cp == 0x34f) {
      if (prev_alpha() && next_alpha(i)) ++st->invisible_in_words;
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2032) {
      out.push_back('\'');
    } else if (cp == 0x201c || cp == 0x201d) {
      out.push_back('"');
    } else if (cp == 0x2013 || cp == 0x2014) {
      out.push_back('-');
    } else if (cp == 0x152 || cp == 0x153) {
      out += "oe";
    } else if (cp >= 0x100 && cp <= 0x17f) {
      // Latin Extended-A: base letters of the common accented forms.
      static const char kExtA[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
      size_t k = cp - 0x100;
      if (k < sizeof(kExtA) - 1) out.push_back(kExtA[k]);
      word_latin = true;
    } else if (cp >= 0x400 && cp <= 0x4ff) {
      char l = CyrillicLookalike(cp);
      word_cyr = true;
      if (l) out.push_back(l);
      else out.append(in.substr(i - len, len));
    } else if (cp >= 0x1d400 && cp <= 0x1d6a3) {
      unsigned k = (cp - 0x1d400) % 52;
      out.push_back(static_cast<char>(k < 26 ? 'a' + k : 'a' + (k - 26)));
      ++st->styled_letters;
      word_latin = true;
    } else if (cp >= 0x1d7ce && cp <= 0x1d7ff) {
      out.push_back(static_cast<char>('0' + (cp - 0x1d7ce) % 10));
      ++st->styled_letters;
    } else if (cp >= 0xff01 && cp <= 0xff5e) {  // full-width ASCII
      char a = static_cast<char>(cp - 0xff01 + 0x21);
      out.push_back(static_cast<char>(a >= 'A' && a <= 'Z' ? a + 32 : a));
      ++st->styled_letters;
    } else {
      out.append(in.substr(i - len, len));
    }
  }
  end_word(in.size());
  return out;
}

// ---- Brands, hosting and domains -----------------------------------------------------------

struct Brand {
  const char* name;     // as it appears in a display name, lower-case
  const char* domains;  // space-separated registrable-domain labels the brand really sends from
};

const Brand kBrands[] = {
    {"paypal", "paypal paypal-communication paypalobjects"},
    {"apple", "apple icloud itunes"},
    {"icloud", "apple icloud"},
    {"microsoft", "microsoft live outlook office office365 microsoftonline hotmail msn"},
    {"office 365", "microsoft office office365 microsoftonline outlook"},
    {"outlook", "microsoft outlook live office hotmail"},
    {"onedrive", "microsoft live onedrive"},
    {"sharepoint", "microsoft sharepoint"},
    {"amazon", "amazon amazonses"},
    {"netflix", "netflix"},
    {"dhl", "dhl"},
    {"fedex", "fedex"},
    {"ebay", "ebay"},
    {"wells fargo", "wellsfargo wf"},
    {"bank of america", "bankofamerica bofa"},
    {"docusign", "docusign"},
    {"coinbase", "coinbase"},
    {"metamask", "metamask consensys"},
    {"trust wallet", "trustwallet"},
    {"trustwallet", "trustwallet"},
    {"binance", "binance"},
    {"ledger", "ledger"},
    {"citibank", "citibank citi"},
    {"hsbc", "hsbc"},
    {"barclays", "barclays"},
    {"usps", "usps"},
    {"american express", "americanexpress aexp"},
    {"linkedin", "linkedin"},
    {"facebook", "facebook facebookmail meta"},
    {"instagram", "instagram facebookmail"},
    {"whatsapp", "whatsapp"},
    {"google", "google gmail youtube"},
    {"yahoo", "yahoo"},
    {"bradesco", "bradesco"},
    {"itau", "itau"},
    {"livelo", "livelo"},
    {"banco do brasil", "bb"},
    {"caixa", "caixa"},
    {"nubank", "nubank"},
    {"santander", "santander"},
    {"sparkasse", "sparkasse"},
    {"volksbank", "volksbank"},
    {"postbank", "postbank"},
    {"commerzbank", "commerzbank"},
    {"rabobank", "rabobank"},
    {"postnl", "postnl"},
    {"belastingdienst", "belastingdienst"},
    {"la poste", "laposte"},
    {"correos", "correos"},
    {"correios", "correios"},
    {"norton", "norton nortonlifelock"},
    {"mcafee", "mcafee"},
    {"rossmann", "rossmann"},
    {"edeka", "edeka"},
    {"rewe", "rewe"},
    {"lidl", "lidl"},
    {"aldi", "aldi"},
    {"elon musk", "tesla spacex"},
    {"lido", "lido"},
    {"zksync", "zksync"},
    {"ripple", "ripple"},
};

// Free hosting, storage, form and tunnel services that host phishing pages. Matched as a suffix
// of the link's host name.
const char* const kFreeHosting[] = {
    "firebaseapp.com",     "web.app",           "firebasestorage.googleapis.com",
    "storage.googleapis.com", "pages.dev",      "workers.dev",
    "r2.dev",              "blogspot.com",      "weebly.com",
    "wixsite.com",         "000webhostapp.com", "github.io",
    "glitch.me",           "netlify.app",       "vercel.app",
    "herokuapp.com",       "azurewebsites.net", "blob.core.windows.net",
    "web.core.windows.net", "ipfs.io",          "dweb.link",
    "sites.google.com",    "forms.gle",         "webflow.io",
    "godaddysites.com",    "mystrikingly.com",  "square.site",
    "ngrok.io",            "ngrok-free.app",    "trycloudflare.com",
    "duckdns.org",         "repl.co",           "surge.sh",
    "s3.amazonaws.com",    "jotform.com",       "forms.office.com",
    "typeform.com",        "wordpress.com",     "yolasite.com",
    "site123.me",          "canva.site",        "framer.website",
    "ipfs.w3s.link",       "on.fleek.co",       "backblazeb2.com",
    "linodeobjects.com",   "digitaloceanspaces.com", "cprapid.com",
    "temp.domains",        "webcindario.com",   "wcomhost.com",
};

bool HostEndsWith(const std::string& host, std::string_view suffix) {
  if (host.size() < suffix.size()) return false;
  if (host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  return host.size() == suffix.size() || host[host.size() - suffix.size() - 1] == '.';
}

const char* const kFreeMail[] = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com",
                                 "live.com", "mail.ru", "yandex.ru", "gmx.com", "gmx.de", "web.de",
                                 "protonmail.com", "proton.me", "icloud.com", "zoho.com",
                                 "yahoo.co.uk", "hotmail.co.uk", "msn.com", "mail.com",
                                 "financier.com", "consultant.com", "usa.com", "excite.com",
                                 "rediffmail.com", "163.com", "qq.com", "126.com", "naver.com",
                                 "seznam.cz", "libero.it", "t-online.de", "orange.fr", "wanadoo.fr",
                                 "uol.com.br", "bol.com.br", "terra.com.br", "netscape.net",
                                 "lycos.com", "juno.com", "email.com", "post.com", "inbox.com"};

bool IsFreeMail(const std::string& domain) {
  for (const char* f : kFreeMail)
    if (domain == f) return true;
  return false;
}

std::string DomainOf(const std::string& address) {
  size_t at = address.rfind('@');
  if (at == std::string::npos) return "";
  return ToLower(address.substr(at + 1));
}

// The label of a registrable domain before its public suffix ("paypal" of "paypal.co.uk").
std::string MainLabel(const std::string& registrable) {
  size_t dot = registrable.find('.');
  return dot == std::string::npos ? registrable : registrable.substr(0, dot);
}

// Brands whose name in a domain label imitates them, and the labels they really own.
struct Lookalike {
  const char* token;
  const char* own;  // space-separated labels that are the brand's own
};
const Lookalike kLookalikes[] = {
    {"paypal", "paypal paypalobjects paypal-communication paypal-community"},
    {"netflix", "netflix"},
    {"microsoft", "microsoft microsoftonline microsoftstore"},
    {"office365", "office365"},
    {"docusign", "docusign"},
    {"coinbase", "coinbase"},
    {"metamask", "metamask"},
    {"binance", "binance"},
    {"trustwallet", "trustwallet"},
    {"bradesco", "bradesco"},
    {"santander", "santander"},
    {"wellsfargo", "wellsfargo"},
    {"bankofamerica", "bankofamerica"},
    {"icloud", "icloud"},
    {"appleid", ""},
    {"amazon", "amazon amazonaws amazonses amazontrust amazonpay amazonvideo"},
    {"ebay", "ebay ebayimg ebaystatic ebayinc"},
    {"livelo", "livelo"},
    {"sparkasse", "sparkasse"},
    {"postnl", "postnl"},
    {"wallet", ""},
};

bool InList(const std::string& word, const char* list) {
  std::string_view l(list);
  size_t pos = 0;
  while (pos < l.size()) {
    size_t sp = l.find(' ', pos);
    if (sp == std::string_view::npos) sp = l.size();
    if (l.substr(pos, sp - pos) == word) return true;
    pos = sp + 1;
  }
  return false;
}

// Lower-cases a domain label and undoes the digit-for-letter swaps of look-alike domains.
std::string Unswap(std::string s) {
  for (char& c : s) {
    if (c == '0') c = 'o';
    else if (c == '1') c = 'l';
    else if (c == '3') c = 'e';
    else if (c == '5') c = 's';
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == 'r' && i + 1 < s.size() && s[i + 1] == 'n') {
      out.push_back('m');
      ++i;
    } else if (s[i] == 'v' && i + 1 < s.size() && s[i + 1] == 'v') {
      out.push_back('w');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The brand a domain imitates, or "".
std::string LookalikeBrand(const std::string& registrable) {
  std::string label = MainLabel(ToLower(registrable));
  if (label.empty()) return "";
  std::string unswapped = Unswap(label);
  for (const auto& l : kLookalikes) {
    bool hit = label.find(l.token) != std::string::npos || unswapped.find(l.token) != std::string::npos;
    if (!hit) continue;
    if (label == l.token || InList(label, l.own)) return "";
    if (std::string_view(l.token) == "wallet") {
      // "wallet" alone is a word, not a brand; only the wallet-sync kind of names.
      if (label.find("connect") == std::string::npos && label.find("sync") == std::string::npos &&
          label.find("dapp") == std::string::npos && label.find("validat") == std::string::npos &&
          label.find("rectif") == std::string::npos)
        continue;
    }
    return l.token;
  }
  return "";
}

// A subject word that hides letters: "BiIIing", "0fficiaI", "CIients", "PayPaI".
bool DisguisedWord(std::string_view w) {
  if (w.size() < 4) return false;
  int lower = 0, upper_i = 0, digit_o = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    char c = w[k];
    if (c >= 'a' && c <= 'z') ++lower;
    else if (c == 'I' && k > 0 && w[k - 1] >= 'a' && w[k - 1] <= 'z') ++upper_i;
    else if (c == 'I' && k > 0 && w[k - 1] == 'I') ++upper_i;
    else if (c == '0' && k + 1 < w.size() && w[k + 1] >= 'a' && w[k + 1] <= 'z' && (k == 0 || !isdigit(static_cast<unsigned char>(w[k - 1]))))
      ++digit_o;
    else if (isdigit(static_cast<unsigned char>(c))) return false;
    else if (c >= 'A' && c <= 'Z' && k > 0) return false;
  }
  return lower >= 3 && (upper_i > 0 || digit_o > 0);
}

// A hash-buster token: long, random-looking mixture of lower case, upper case and digits.
bool RandomToken(std::string_view w) {
  if (w.size() < 12) return false;
  int lo = 0, up = 0, dg = 0, other = 0;
  for (char c : w) {
    if (c >= 'a' && c <= 'z') ++lo;
    else if (c >= 'A' && c <= 'Z') ++up;
    else if (c >= '0' && c <= '9') ++dg;
    else if (c != '-' && c != '_') ++other;
  }
  if (other) return false;
  int transitions = 0;
  for (size_t k = 1; k < w.size(); ++k) {
    auto kind = [](char c) { return c >= 'a' && c <= 'z' ? 0 : c >= 'A' && c <= 'Z' ? 1 : c >= '0' && c <= '9' ? 2 : 3; };
    transitions += kind(w[k]) != kind(w[k - 1]);
  }
  return lo >= 3 && up >= 3 && (dg >= 2 || up >= 5) && transitions >= 6;
}

std::string MailtoAddress(std::string_view v) {
  size_t p = FindIgnoreCase(v, "mailto:");
  if (p == std::string_view::npos) return "";
  p += 7;
  size_t e = v.find_first_of(">?, \t", p);
  return ToLower(Trim(v.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p)));
}

}  // namespace

std::string ClassifierRulesError() {
  const Compiled& c = Rules();
  if (c.ok) return "";
  return c.error.empty() ? "RE2::Set::Compile failed (out of memory?)" : c.error;
}

Classification Classify(const ClassifyInput& in) {
  const Report& r = *in.report;
  const bool sms = r.kind == "sms" || !in.message;
  double score[kNumCats] = {0};
  std::vector<std::string> reasons[kNumCats];
  auto add = [&](Cat c, double w, std::string why) {
    score[c] += w;
    reasons[c].push_back(std::move(why));
  };
  // Deception: evidence that the mail is malicious or evasive without saying of which kind (a
  // failed DMARC check, a shortened link, disguised letters). It strengthens whichever kind the
  // phrases point to, and counts as spam when they point to none.
  double deception = 0;
  std::vector<std::string> deception_reasons;
  auto deceive = [&](double w, std::string why) {
    deception += w;
    deception_reasons.push_back(std::move(why));
  };

  std::string text = r.headers.subject;
  text.push_back('\n');
  text.append(r.body_text.substr(0, kMaxClassifyText));
  if (!r.html_title.empty()) {
    text.push_back('\n');
    text.append(r.html_title.substr(0, 512));
  }
  FoldStats fs;
  std::string folded = Fold(text, &fs);
  const Compiled& rules = Rules();
  int phrase_hits[kNumCats] = {0};
  if (rules.ok) {
    std::vector<bool> hit = rules.Match(folded);
    for (size_t k = 0; k < std::size(kRules); ++k) {
      if (!rules.Fires(k, hit)) continue;
      add(kRules[k].cat, kRules[k].weight, kRules[k].name);
      ++phrase_hits[kRules[k].cat];
    }
    // A lure announced in the subject line itself ("Seu pedido foi bloqueado pela fiscalizacao",
    // "Infracao pendente: regularize sua CNH") is how phishing gets opened; legitimate notices
    // that mention such things in passing rarely put them in the subject.
    if (score[kPhishing] > 0 && !r.headers.subject.empty()) {
      FoldStats ss;
      std::string subj = Fold(std::string_view(r.headers.subject).substr(0, 512), &ss);
      std::vector<bool> in_subject = rules.Match(subj);
      for (size_t k = 0; k < std::size(kRules); ++k) {
        if (kRules[k].cat != kPhishing || kRules[k].weight < 1.5 || !rules.Fires(k, in_subject)) continue;
        add(kPhishing, 1.0, std::string("the subject itself carries the lure (") + kRules[k].name + ")");
        break;
      }
    }
  }

  // Evasion of filters: disguised letters.
  if (fs.mixed_script_words >= 1)
    deceive(fs.mixed_script_words >= 2 ? 2.0 : 1.5,
        "words mix Latin and Cyrillic look-alike letters (\"" + fs.mixed_example + "\", " +
            std::to_string(fs.mixed_script_words) + " words)");
  if (fs.styled_letters >= 6)
    deceive(1.5, "styled Unicode letters hide words from filters (" +
                              std::to_string(fs.styled_letters) + " letters)");
  if (fs.invisible_in_words >= 5)
    deceive(1.0, "invisible characters split words (" + std::to_string(fs.invisible_in_words) + ")");
  {
    std::string disguised, random;
    for (auto w : Split(r.headers.subject, ' ')) {
      std::string_view t = Trim(w);
      while (!t.empty() && std::string_view(".,:;!?-[]()\"'").find(t.back()) != std::string_view::npos) t.remove_suffix(1);
      while (!t.empty() && std::string_view(".,:;!?-[]()\"'").find(t.front()) != std::string_view::npos) t.remove_prefix(1);
      if (disguised.empty() && DisguisedWord(t)) disguised = std::string(t);
      if (random.empty() && RandomToken(t)) random = std::string(t);
    }
    if (!disguised.empty())
      add(kPhishing, 1.5, "subject disguises letters (\"" + SanitizeUtf8(disguised) + "\")");
    if (!random.empty())
      add(kCommercial, 1.5, "random token in the subject defeats filters (\"" + SanitizeUtf8(random) + "\")");
    if (r.headers.subject.find("      ") != std::string::npos) {
      std::string_view tail = Trim(std::string_view(r.headers.subject).substr(r.headers.subject.find("      ")));
      if (!tail.empty() && tail.size() < 40)
        add(kCommercial, 1.5, "subject padded with spaces and a tracking code (\"" + SanitizeUtf8(tail) + "\")");
    }
  }

  // Attachments.
  for (const auto& a : r.indicators.attachments) {
    for (const auto& f : a.flags) {
      if (f == "executable" || f == "archive-with-executable" || f == "macro" || f == "script" ||
          f == "shortcut" || f == "disk-image" || f == "double-extension")
        add(kMalware, f == "macro" || f == "double-extension" || f == "archive-with-executable" ? 4 : 3.5,
            "attachment " + a.filename + " is flagged " + f);
      if (f == "html-attachment") add(kPhishing, 2.5, "HTML attachment " + a.filename + " (a local phishing page)");
      if (f == "encrypted-archive") add(kMalware, 2, "password-protected archive " + a.filename);
    }
    std::string fn = ToLower(a.filename);
    for (const char* ext : {".zip", ".rar", ".7z", ".gz", ".tgz", ".cab", ".ace", ".arj", ".uue", ".xz",
                            ".iso", ".img", ".vhd"}) {
      if (fn.size() > strlen(ext) && fn.compare(fn.size() - strlen(ext), strlen(ext), ext) == 0 &&
          phrase_hits[kMalware] > 0) {
        add(kMalware, 1.5, "archive attachment " + a.filename + " with a document lure");
        break;
      }
    }
    if ((fn.size() > 4 && (fn.compare(fn.size() - 4, 4, ".pdf") == 0)) &&
        (fn.find("anexo") != std::string::npos || fn.find("invoice") != std::string::npos ||
         fn.find("fatura") != std::string::npos || fn.find("factura") != std::string::npos ||
         fn.find("rechnung") != std::string::npos || fn.find("pontos") != std::string::npos ||
         fn.find("payment") != std::string::npos || fn.find("remittance") != std::string::npos) &&
        phrase_hits[kPhishing] + phrase_hits[kMalware] > 0)
      add(kPhishing, 1.0, "PDF attachment " + a.filename + " with an invoice or account lure");
  }

  // Links.
  int mismatches = 0, ip_hosts = 0, userinfo = 0, shorteners = 0, punycode = 0, ports = 0;
  std::string hosting, lookalike, lookalike_brand, exe_link, ip_example;
  std::string from_dom = ToLower(r.authentication.from_domain);
  if (from_dom.empty() && r.headers.from) from_dom = DomainOf(r.headers.from->address);
  std::string from_reg = from_dom.empty() ? "" : mail::RegistrableDomain(from_dom);
  size_t links = 0, own_links = 0;
  for (const auto& u : r.indicators.urls) {
    if (u.source == "html-image") continue;
    ++links;
    if (!from_reg.empty() && u.registrable == from_reg) ++own_links;
    for (const auto& f : u.flags) {
      if (f == "text-mismatch") ++mismatches;
      if (f == "ip-host") {
        ++ip_hosts;
        if (ip_example.empty()) ip_example = u.host;
      }
      if (f == "userinfo") ++userinfo;
      if (f == "shortener") ++shorteners;
      if (f == "punycode") ++punycode;
      if (f == "non-standard-port") ++ports;
    }
    std::string host = ToLower(u.host);
    if (hosting.empty())
      for (const char* h : kFreeHosting)
        if (HostEndsWith(host, h)) hosting = host;
    if (lookalike.empty() && !u.registrable.empty()) {
      std::string b = LookalikeBrand(u.registrable);
      if (!b.empty()) {
        lookalike = u.registrable;
        lookalike_brand = b;
      }
    }
    if (exe_link.empty()) {
      std::string url = ToLower(u.url);
      size_t q = url.find_first_of("?#");
      std::string path = url.substr(0, q);
      for (const char* ext : {".exe", ".scr", ".js", ".vbs", ".jar", ".msi", ".apk", ".hta", ".lnk",
                              ".iso", ".bat", ".cmd", ".ps1", ".wsf"})
        if (path.size() > strlen(ext) + 8 && path.compare(path.size() - strlen(ext), strlen(ext), ext) == 0 &&
            path.find('/', path.find("://") + 3) != std::string::npos)
          exe_link = u.url.substr(0, 200);
    }
  }
  if (mismatches) add(kPhishing, 2.5, "link text shows another domain than its target (" +
                                          std::to_string(mismatches) + " links)");
  if (ip_hosts) add(kPhishing, 1.5, "links to a bare IP address (" + ip_example + ")");
  if (userinfo) add(kPhishing, 2, "link hides its real host behind user@ syntax");
  if (shorteners) deceive(1.0, "link through a URL shortener hides its target");
  if (punycode) add(kPhishing, 1.0, "link to an internationalised (punycode) domain name");
  if (!hosting.empty()) deceive(1.5, "link to a free hosting or form service (" + hosting + ")");
  if (!lookalike.empty())
    add(kPhishing, 2.0, "link to look-alike domain " + lookalike + " (imitates " + lookalike_brand + ")");
  if (!exe_link.empty()) add(kMalware, 3.0, "link downloads a program: " + exe_link);
  if (!from_reg.empty()) {
    std::string b = LookalikeBrand(from_reg);
    if (!b.empty()) add(kPhishing, 2.0, "sender domain " + from_reg + " imitates " + b);
  }
  if (r.html_password) add(kPhishing, 3, "HTML form asks for a password");
  else if (r.html_form) add(kPhishing, 1.0, "HTML form in the message");

  for (const auto& p : r.indicators.payments) {
    if (p.type == "bitcoin" || p.type == "monero" || p.type == "litecoin" || p.type == "ethereum") {
      if (score[kExtortion] > 0) add(kExtortion, 2, "crypto-currency address " + p.value + " for payment");
      else add(kOtherScam, 0.5, "crypto-currency address " + p.value);
      break;
    }
  }

  // Display name claims a brand that the sender's domain does not carry.
  if (r.headers.from && !r.headers.from->name.empty()) {
    FoldStats ns;
    std::string name = Fold(r.headers.from->name, &ns);
    std::string dom = from_dom;
    std::string dom_label = MainLabel(from_reg);
    for (const auto& b : kBrands) {
      std::string brand(b.name);
      size_t pos = name.find(brand);
      if (pos == std::string::npos) continue;
      bool left_ok = pos == 0 || !isalnum(static_cast<unsigned char>(name[pos - 1]));
      size_t end = pos + brand.size();
      bool right_ok = end >= name.size() || !isalpha(static_cast<unsigned char>(name[end]));
      if (!left_ok || !right_ok) continue;
      std::string compact;
      for (char c : brand)
        if (c != ' ') compact.push_back(c);
      // A sender "domain" without a dot ("pedidos@correios") is no domain the brand could own.
      bool own = dom.find('.') != std::string::npos &&
                 (dom.find(compact) != std::string::npos || InList(dom_label, b.domains));
      if (!own) {
        add(kPhishing, 1.5, "display name \"" + SanitizeUtf8(r.headers.from->name) + "\" claims " +
                                brand + " but the sender domain is " + (dom.empty() ? "missing" : dom));
      }
      break;
    }
    // A display name that is an e-mail address of another domain.
    size_t at = name.find('@');
    if (at != std::string::npos && at > 0) {
      std::string shown = name.substr(at + 1);
      while (!shown.empty() && !isalnum(static_cast<unsigned char>(shown.back()))) shown.pop_back();
      size_t sp = shown.find_first_of(" >\"'");
      if (sp != std::string::npos) shown = shown.substr(0, sp);
      std::string shown_reg = mail::RegistrableDomain(shown);
      if (!shown_reg.empty() && !from_reg.empty() && shown_reg != from_reg)
        add(kPhishing, 1.5, "display name shows the address of " + shown_reg + " but the mail is from " + from_reg);
    }
  }

  // Recipient's own address in the subject (mass personalisation).
  if (!r.headers.to.empty() && r.headers.to.size() <= 3) {
    std::string addr = ToLower(r.headers.to[0].address);
    if (addr.size() >= 6 && ToLower(r.headers.subject).find(addr) != std::string::npos)
      deceive(1.0, "subject names the recipient's e-mail address");
  }

  // Replies go elsewhere.
  if (!r.headers.reply_to.empty() && !from_reg.empty()) {
    std::string rd = DomainOf(r.headers.reply_to[0].address);
    std::string rreg = rd.empty() ? "" : mail::RegistrableDomain(rd);
    if (!rreg.empty() && rreg != from_reg && IsFreeMail(rd) && !IsFreeMail(from_dom))
      deceive(1.0, "replies go to a free-mail address (" + rd + ") unlike the sender " + from_reg);
  }

  bool bulk_header = !r.headers.list_unsubscribe.empty();
  if (r.html_hidden) deceive(0.5, "hidden text in the HTML");
  if (r.authentication.dmarc == "fail") deceive(1.0, "DMARC failed for the From domain");

  // Signs of ordinary personal or list mail.
  bool discussion_list = false;
  if (in.message) {
    const mail::Message& m = *in.message;
    const mail::Header* list_id = m.Find("List-Id");
    const mail::Header* list_post = m.Find("List-Post");
    const mail::Header* mailing_list = m.Find("Mailing-List");
    const mail::Header* x_mailing_list = m.Find("X-Mailing-List");
    const mail::Header* been_there = m.Find("X-BeenThere");
    bool list = list_id || mailing_list || x_mailing_list || list_post || been_there;
    std::string list_addr;
    if (list_post) list_addr = MailtoAddress(list_post->value);
    if (list_addr.empty() && mailing_list) {
      std::string_view v = mailing_list->value;
      size_t p = FindIgnoreCase(v, "list ");
      if (p != std::string_view::npos) {
        std::string_view rest = Trim(v.substr(p + 5));
        list_addr = ToLower(rest.substr(0, rest.find_first_of("; ")));
      }
    }
    if (list_addr.empty() && x_mailing_list) {
      std::string_view v = Trim(x_mailing_list->value);
      if (!v.empty() && v.front() == '<') v.remove_prefix(1);
      list_addr = ToLower(v.substr(0, v.find_first_of("> ")));
    }
    if (list_addr.empty() && been_there) list_addr = ToLower(Trim(been_there->value));
    bool to_list = false;
    if (!list_addr.empty() && list_addr.find('@') != std::string::npos) {
      std::string lp = list_addr.substr(0, list_addr.find('@'));
      for (const auto* v : {&r.headers.to, &r.headers.cc}) {
        for (const auto& mb : *v) {
          std::string a = ToLower(mb.address);
          // Lists rewrite their domain in SpamAssassin's corpus; the local part is enough.
          if (a == list_addr || (a.size() > lp.size() && a.compare(0, lp.size() + 1, lp + "@") == 0))
            to_list = true;
        }
      }
    }
    bool reply_hdr = m.Find("In-Reply-To") || m.Find("References");
    std::string subj = ToLower(Trim(r.headers.subject));
    bool re_subject = subj.rfind("re:", 0) == 0 || subj.rfind("aw:", 0) == 0 || subj.rfind("sv:", 0) == 0 ||
                      (subj.size() > 2 && subj[0] == '[' && subj.find("] re:") != std::string::npos);
    if (list && to_list) {
      discussion_list = true;
      add(kHam, 2.5, "discussion-list message addressed to the list (" + list_addr + ")");
    } else if (list) {
      add(kHam, 1.0, "mailing-list headers");
    }
    if (reply_hdr && re_subject) add(kHam, 1.0, "reply in a conversation (In-Reply-To/References, \"Re:\")");
    else if (reply_hdr) add(kHam, 0.5, "In-Reply-To/References header");
    size_t quoted = 0, lines = 0;
    bool attribution = false;
    std::string_view head = std::string_view(r.body_text).substr(0, 16384);
    for (auto line : Split(head, '\n')) {
      ++lines;
      std::string_view t = Trim(line);
      if (!t.empty() && (t[0] == '>' || t[0] == '|')) ++quoted;
      if (!attribution && t.size() < 200 &&
          (t.ends_with("wrote:") || t.ends_with("writes:") || t.ends_with("schrieb:") ||
           t.ends_with("crit :") || t.ends_with("escreveu:") || t.ends_with("escribi\xc3\xb3:") ||
           t.ends_with("schreef:") || t.ends_with("said:")))
        attribution = true;
    }
    if (quoted >= 2 && (attribution || quoted * 10 >= lines))
      add(kHam, attribution ? 2.0 : 1.5, attribution ? "quotes an earlier message (\"... wrote:\")" : "quotes an earlier message");
    if (r.indicators.urls.empty() && r.indicators.attachments.empty() && score[kCommercial] == 0 &&
        score[kPhishing] == 0 && score[kAdvanceFee] == 0 && score[kOtherScam] == 0 && !r.html_form)
      add(kHam, 0.5, "no links and no attachments");
    if (!bulk_header && !discussion_list && r.headers.to.size() + r.headers.cc.size() == 0)
      add(kCommercial, 0.5, "no recipient in To or Cc (hidden bulk recipients)");
  } else if (sms) {
    // An SMS with no link, number, price or call to action reads as a personal message.
    bool digits5 = false;
    int run = 0;
    for (char c : r.body_text) {
      run = isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
      if (run >= 5) digits5 = true;
    }
    bool money = r.body_text.find("\xc2\xa3") != std::string::npos || r.body_text.find('$') != std::string::npos ||
                 r.body_text.find("\xe2\x82\xac") != std::string::npos;
    double spamish = score[kCommercial] + score[kPhishing] + score[kAdvanceFee] + score[kOtherScam] +
                     score[kExtortion] + score[kMalware];
    if (r.indicators.urls.empty() && r.indicators.phones.size() <= (r.sms && r.sms->sender_type == "phone" ? 1u : 0u) &&
        !digits5 && !money && spamish == 0 && r.indicators.emails.empty())
      add(kHam, 2.0, "personal message: no link, number, price or call to action");
    if (!r.indicators.urls.empty()) add(kCommercial, 0.5, "SMS carries a link");
    if (digits5 || r.indicators.phones.size() > (r.sms && r.sms->sender_type == "phone" ? 1u : 0u))
      add(kCommercial, 0.5, "SMS asks to call or text a number");
  }

  // Bulk headers: a list the recipient is on explains List-Unsubscribe and footers.
  if (bulk_header && !discussion_list) add(kCommercial, 1.5, "List-Unsubscribe header (bulk mailing)");
  if (discussion_list) {
    // List footers carry "unsubscribe" and "mailing list": not evidence against list mail.
    for (size_t k = 0; k < reasons[kCommercial].size(); ++k) {
      if (reasons[kCommercial][k] == "opt-out or unsubscribe wording") {
        reasons[kCommercial].erase(reasons[kCommercial].begin() + k);
        score[kCommercial] -= 1.5;
        break;
      }
    }
  }
  // A newsletter of an identifiable sender: its links lead to its own site. Phishing that spoofs
  // a brand's address links to the brand too, so only without phishing or deception evidence.
  bool unsubscribe_offered = bulk_header;
  for (const auto& x : reasons[kCommercial]) unsubscribe_offered |= x == "opt-out or unsubscribe wording";
  if (links >= 3 && own_links * 5 >= links * 4 && !from_reg.empty() && score[kPhishing] < 2 &&
      deception == 0 && unsubscribe_offered)
    add(kHam, 2.5, std::to_string(own_links) + " of " + std::to_string(links) +
                       " links go to the sender's own domain " + from_reg + " (newsletter of an identifiable sender)");

  // Decide: harmful categories first, then commercial, then not-spam.
  Classification c;
  for (int i = 0; i < kNumCats; ++i) c.scores[kCatNames[i]] = std::round(score[i] * 100) / 100;
  Cat best = kNumCats;
  double best_score = 0;
  const Cat harmful[] = {kMalware, kExtortion, kPhishing, kAdvanceFee, kOtherScam};
  const double support = std::min(deception, 3.0);
  for (Cat h : harmful) {
    double threshold = h == kMalware ? 3.0 : h == kOtherScam ? 2.5 : h == kExtortion ? 3.5 : 3.0;
    double eff = score[h] + (score[h] >= 1.0 ? support : 0);
    if (eff >= threshold && eff > best_score && eff > score[kHam]) {
      best = h;
      best_score = eff;
    }
  }
  double spam_total = score[kCommercial] + deception +
                      0.5 * (score[kPhishing] + score[kAdvanceFee] + score[kOtherScam] +
                             score[kExtortion] + score[kMalware]);
  if (best == kNumCats) {
    if (spam_total >= 2.0 && spam_total > score[kHam]) {
      best = kCommercial;
      best_score = spam_total;
    } else if (score[kHam] >= 2.0 && score[kHam] >= spam_total + 1.0) {
      best = kHam;
      best_score = score[kHam] - spam_total;
    }
  }
  if (best == kNumCats) {
    c.category = "unknown";
    c.score = 0;
    c.reasons.push_back("not enough evidence for any category");
    for (int i = 0; i < kNumCats; ++i)
      for (auto& x : reasons[i]) c.reasons.push_back(std::string(kCatNames[i]) + ": " + x);
    for (auto& x : deception_reasons) c.reasons.push_back("suspicious: " + x);
    return c;
  }
  c.category = kCatNames[best];
  c.score = std::round((1.0 - std::exp(-best_score / 3.0)) * 1000) / 1000;
  c.reasons = reasons[best];
  if (best != kHam)
    for (auto& x : deception_reasons) c.reasons.push_back(x);
  if (best == kCommercial)
    for (Cat h : harmful)
      for (auto& x : reasons[h]) c.reasons.push_back(x);
  else if (best != kHam)
    for (auto& x : reasons[kCommercial]) c.reasons.push_back(x);  // supporting spam evidence
  return c;
}

}  // namespace lapis::analysis
