/*
 * advice.c - the remediation catalogue (data) and the rules that pick
 * items for an attempt. Conditions read only what verdict_judge() and
 * identify_client() wrote (reason codes, client family/detail/OS: our own
 * NUL-terminated strings) plus the listener protocol; never peer bytes.
 *
 * Where the seed notice and KNOWLEDGE.md disagree, KNOWLEDGE wins and
 * doc/advice.md says so: (1) the seed says KB3140245 "creates" the
 * DefaultSecureProtocols value; Microsoft [S5] says the installer does not,
 * so the text says to create it; (2) the seed suggests the Schannel "step
 * B" for Thunderbird on Windows 7, but Thunderbird uses NSS, which Schannel
 * settings do not touch (KNOWLEDGE §1.1), so that hint is not repeated.
 */
#include "advice.h"

#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "verdict.h"

/* ---- conditions -------------------------------------------------------- */

static bool
has(const struct attempt *a, const char *code)
{
    return verdict_has_reason(a, code);
}

static bool
too_old(const struct attempt *a)
{
    return has(a, "version_below_minimum");
}

static bool
contains(const char *s, const char *needle)
{
    return s != NULL && strstr(s, needle) != NULL;
}

static bool
family_is(const struct attempt *a, const char *fam)
{
    return contains(a->verdict.client_family, fam);
}

static bool
os_has(const struct attempt *a, const char *s)
{
    return contains(a->verdict.client_os, s);
}

static bool
detail_has(const struct attempt *a, const char *s)
{
    return contains(a->verdict.client_detail, s);
}

static bool
mail_protocol(const struct attempt *a)
{
    return strncmp(a->protocol, "imap", sizeof(a->protocol)) == 0 ||
           strncmp(a->protocol, "pop3", sizeof(a->protocol)) == 0 ||
           strncmp(a->protocol, "smtp", sizeof(a->protocol)) == 0;
}

static bool
win7_schannel(const struct attempt *a)
{
    return too_old(a) && family_is(a, "Windows SChannel") &&
           os_has(a, "Windows 7");
}

static bool
c_enable_encryption(const struct attempt *a)
{
    return has(a, "plaintext_login") || has(a, "no_tls_attempted");
}

static bool
c_port_mismatch(const struct attempt *a)
{
    return has(a, "plaintext_on_tls_port") || has(a, "tls_on_starttls_port");
}

static bool
c_xp_vista(const struct attempt *a)
{
    return too_old(a) && family_is(a, "Windows SChannel") &&
           (os_has(a, "XP") || os_has(a, "Vista") ||
            os_has(a, "Server 2003"));
}

static bool
c_outlook_old(const struct attempt *a)
{
    return detail_has(a, "Outlook 2003") || detail_has(a, "Outlook 2007") ||
           detail_has(a, "Outlook 2010");
}

static bool
c_thunderbird(const struct attempt *a)
{
    return too_old(a) &&
           (detail_has(a, "Thunderbird") ||
            (family_is(a, "Mozilla NSS") && mail_protocol(a)));
}

static bool
c_apple(const struct attempt *a)
{
    return too_old(a) && (family_is(a, "Apple") || os_has(a, "iOS") ||
                          os_has(a, "OS X"));
}

static bool
c_android(const struct attempt *a)
{
    return too_old(a) && family_is(a, "Android");
}

static bool
c_java(const struct attempt *a)
{
    return too_old(a) && family_is(a, "Java");
}

static bool
c_dotnet(const struct attempt *a)
{
    /* Any Schannel program that is not known to be Outlook or a browser. */
    return too_old(a) && family_is(a, "Windows SChannel") &&
           !detail_has(a, "Outlook") && !os_has(a, "XP") &&
           !os_has(a, "Phone");
}

static bool
c_library(const struct attempt *a)
{
    return too_old(a) && (family_is(a, "OpenSSL") || family_is(a, "GnuTLS") ||
                          family_is(a, "LibreSSL"));
}

static bool
c_suites(const struct attempt *a)
{
    return has(a, "no_acceptable_suite") || has(a, "only_deprecated_suites");
}

static bool
policy_is_o365(const struct attempt *a)
{
    return a->verdict.policy != NULL &&
           (strcmp(a->verdict.policy, "tls12") == 0 ||
            strcmp(a->verdict.policy, "office365") == 0);
}

static bool
c_o365_legacy(const struct attempt *a)
{
    return too_old(a) && policy_is_o365(a) &&
           (mail_protocol(a) || a->protocol[0] == '\0');
}

static bool
c_generic(const struct attempt *a)
{
    return too_old(a) && a->verdict.client_family == NULL;
}

/* ---- the catalogue ----------------------------------------------------- */

#define WINHTTP_KEY                                                            \
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\"      \
    "Internet Settings\\WinHttp"
#define WINHTTP_KEY_WOW                                                        \
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\"         \
    "CurrentVersion\\Internet Settings\\WinHttp"
#define SCHANNEL_KEY                                                           \
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\"                \
    "SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client"
#define NET4 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319"
#define NET4W                                                                  \
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\"   \
    "v4.0.30319"
#define NET2 "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727"
#define NET2W                                                                  \
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\"   \
    "v2.0.50727"

struct advice_rule {
    struct advice adv;
    bool (*applies)(const struct attempt *a);
};

static const struct advice_rule rules[] = {
    {{"enable-encryption",
      "Turn on encryption in the account settings",
      "アカウントの設定で暗号化を有効にしてください",
      "The account is set up without encryption. In the account settings "
      "set the connection security to SSL/TLS (IMAP 993, POP3 995, SMTP "
      "465) or STARTTLS (IMAP 143, POP3 110, SMTP 587). For Microsoft 365: "
      "IMAP outlook.office365.com port 993, POP3 port 995, SMTP "
      "smtp.office365.com port 587 with STARTTLS (port 465 is not "
      "supported there).",
      "アカウントが暗号化なしで設定されています。アカウント設定で接続の"
      "保護を SSL/TLS(IMAP 993、POP3 995、SMTP 465)または STARTTLS"
      "(IMAP 143、POP3 110、SMTP 587)にしてください。Microsoft 365 の"
      "場合: IMAP は outlook.office365.com のポート 993、POP3 はポート 995、"
      "SMTP は smtp.office365.com のポート 587 で STARTTLS を使います"
      "(ポート 465 は使えません)。",
      "KNOWLEDGE §7.2 ([S22] SMTP 587/25 STARTTLS, 465 unsupported; IMAP/POP "
      "ports ⚠️ from guides, host from [S16])",
      false},
     c_enable_encryption},
    {{"port-security-mismatch",
      "Port and encryption setting do not match",
      "ポート番号と暗号化の設定が合っていません",
      "The port and the encryption setting do not match. Ports 993 (IMAP), "
      "995 (POP3) and 465 (SMTP) expect the setting 'SSL/TLS' (TLS from the "
      "first byte); ports 143, 110, 587 (and 25) expect 'STARTTLS'. Change "
      "the port or the setting so that they agree.",
      "ポート番号と暗号化の設定が一致していません。993(IMAP)・995"
      "(POP3)・465(SMTP)は「SSL/TLS」(最初から TLS)、143・110・587"
      "(および 25)は「STARTTLS」で使うポートです。どちらかを変更して"
      "組み合わせを合わせてください。",
      "RFC 8314 (implicit TLS ports), RFC 3207/2595 (STARTTLS); KNOWLEDGE "
      "§7.2",
      false},
     c_port_mismatch},
    {{"win7-schannel-tls12-client",
      "Windows 7: enable TLS 1.2 for the client in Schannel (step B)",
      "Windows 7: Schannel の TLS 1.2 (Client) を有効にする(設定手順B)",
      "Windows 7 ships with TLS 1.1/1.2 'disabled by default' in Schannel, "
      "so programs that use the system default (Outlook POP/IMAP/SMTP "
      "accounts, Windows Live Mail, .NET programs) offer only TLS 1.0. "
      "Create the following two values to enable TLS 1.2 (edit the "
      "registry with great care):\n"
      SCHANNEL_KEY "\n"
      "Value name: Enabled\n"
      "Value type: REG_DWORD\n"
      "Value data: 1\n"
      "Value name: DisabledByDefault\n"
      "Value type: REG_DWORD\n"
      "Value data: 0\n"
      "Then restart the PC. (That Outlook's POP/IMAP/SMTP path depends only "
      "on this Schannel setting is inferred, not documented.)",
      "Windows 7 の Schannel では TLS 1.1/1.2 が「既定で無効」のため、"
      "システム既定の設定で接続するソフト(Outlook の POP/IMAP/SMTP "
      "アカウント、Windows Live Mail、.NET のプログラムなど)は TLS 1.0 "
      "しか使いません。以下の 2 つのレジストリを作成し、TLS 1.2 を有効に"
      "します。手動でレジストリを変更する場合は十分注意して行ってください。\n"
      SCHANNEL_KEY "\n"
      "値の名前: Enabled\n"
      "値の種類: REG_DWORD\n"
      "値のデータ: 1\n"
      "値の名前: DisabledByDefault\n"
      "値の種類: REG_DWORD\n"
      "値のデータ: 0\n"
      "設定後、パソコンを再起動してください。(Outlook の POP/IMAP/SMTP "
      "がこの Schannel の設定だけで決まる点は推定です。)",
      "seed notice §3 (Windows7 設定手順B); KNOWLEDGE R3, R4, §1, §1.1, "
      "§2.1 [S1][S2][S5][S11]; POP/IMAP path ❓",
      false},
     win7_schannel},
    {{"win7-outlook-winhttp",
      "Windows 7: install KB3140245 and set DefaultSecureProtocols "
      "(step A)",
      "Windows 7: KB3140245 の適用と DefaultSecureProtocols の設定"
      "(設定手順A)",
      "Outlook with an Exchange / Microsoft 365 account connects through "
      "WinHTTP, which on Windows 7 uses only SSL 3.0 and TLS 1.0 by "
      "default. (1) Install update KB3140245 (Windows Update offers it as a "
      "recommended update). (2) Installing it does not create the value "
      "below; create it (edit the registry with great care):\n"
      "32-bit Windows:\n"
      WINHTTP_KEY "\n"
      "64-bit Windows (add both):\n"
      WINHTTP_KEY "\n"
      WINHTTP_KEY_WOW "\n"
      "Value name: DefaultSecureProtocols\n"
      "Value type: REG_DWORD\n"
      "Recommended value: 0x00000a00 (decimal: 2560) = TLS 1.1 + TLS 1.2\n"
      "(3) Also enable TLS 1.2 in Schannel (step B: TLS 1.2\\Client, "
      "Enabled=1, DisabledByDefault=0) and restart the PC. For POP/IMAP "
      "accounts step A is not required but recommended together with "
      "step B.",
      "Exchange / Microsoft 365 アカウントの Outlook は WinHTTP を使って"
      "接続しますが、Windows 7 の WinHTTP は既定で SSL 3.0 と TLS 1.0 "
      "しか使いません。\n"
      "(1) 更新プログラム KB3140245 を適用してください(Windows Update で"
      "「推奨」の更新として提供されています)。\n"
      "(2) KB3140245 を適用しても次の値は自動では作成されません。次の"
      "レジストリを作成してください。手動でレジストリを変更する場合は十分"
      "注意して行ってください。\n"
      "Windows OS が 32 ビットの場合\n"
      WINHTTP_KEY "\n"
      "Windows OS が 64 ビットの場合 (双方を追加)\n"
      WINHTTP_KEY "\n"
      WINHTTP_KEY_WOW "\n"
      "値の名前: DefaultSecureProtocols\n"
      "値の種類: REG_DWORD\n"
      "推奨値: 0x00000a00 (10 進数 : 2560)\n"
      "(3) あわせて Schannel の TLS 1.2 を有効にし(設定手順B: TLS 1.2\\Client"
      " の Enabled=1、DisabledByDefault=0)、パソコンを再起動してください。"
      "POP/IMAP で利用する場合、設定手順A は必須ではありませんが、設定手順B"
      "とあわせて設定することを推奨します。",
      "seed notice §2 (Windows7 設定手順A) and §3; KNOWLEDGE R4, §2, §2.1 "
      "[S5][S6][S7]; the seed's 'created by KB3140245' is corrected per [S5]",
      false},
     win7_schannel},
    {{"xp-vista-unfixable",
      "Windows XP / Vista cannot use TLS 1.2: replace the OS",
      "Windows XP / Vista は TLS 1.2 を使えません: OS の入れ替えが必要です",
      "Windows XP / Server 2003 and Windows Vista / Server 2008 (before "
      "SP2) cannot use TLS 1.2 at all; no update or registry setting fixes "
      "this. Replace the OS (or the PC), or use Outlook on the Web in a "
      "current browser on another device. (Server 2008 SP2 can get TLS 1.2 "
      "with KB4019276 plus registry settings.)",
      "Windows XP / Server 2003 および Windows Vista / Server 2008(SP2 "
      "より前)は TLS 1.2 を使えません。更新プログラムやレジストリの設定"
      "では解決できないため、OS(またはパソコン)を入れ替えるか、別の端末の"
      "最新ブラウザーから Outlook on the Web をご利用ください。(Server 2008"
      " SP2 は KB4019276 とレジストリ設定で TLS 1.2 を有効にできます。)",
      "KNOWLEDGE R3, §1 [S1][S3][S11]",
      false},
     c_xp_vista},
    {{"outlook-2007-2010-no-modern-auth",
      "Outlook 2007/2010 cannot sign in to Exchange Online any more",
      "Outlook 2007/2010 は Exchange Online にサインインできません",
      "Outlook 2007 and 2010 have no Modern Authentication, and Exchange "
      "Online has turned Basic authentication off (from 2022-10), so they "
      "cannot connect to Microsoft 365 even when TLS 1.2 works (Outlook "
      "2007 also lacks MAPI over HTTP, required since 2017-10-31). Upgrade "
      "to a supported Outlook. For other mail servers, fixing TLS 1.2 in "
      "Windows is enough.",
      "Outlook 2007 / 2010 は先進認証(Modern Authentication)に対応して"
      "おらず、Exchange Online では基本認証が無効化されている(2022 年 10 月"
      "以降)ため、TLS 1.2 が使えても Microsoft 365 には接続できません"
      "(Outlook 2007 は 2017 年 10 月 31 日から必須の MAPI over HTTP にも"
      "対応していません)。サポートされている Outlook に移行してください。"
      "他のメールサーバーであれば、Windows の TLS 1.2 設定だけで足ります。",
      "KNOWLEDGE R5, §4, §7.1 [S23][S24]",
      false},
     c_outlook_old},
    {{"thunderbird-old",
      "Thunderbird: update to the current version",
      "Thunderbird: 最新バージョンに更新してください",
      "Update Thunderbird to the current release. Thunderbird 31 and later "
      "likely offer TLS 1.2 by default (inferred from the Firefox/Gecko "
      "defaults, not confirmed for Thunderbird); 78 and later require TLS "
      "1.2. If a current Thunderbird still offers only TLS 1.0/1.1, check "
      "security.tls.version.min and security.tls.version.max in the Config "
      "Editor (3 = TLS 1.2, 4 = TLS 1.3) or the enterprise policies "
      "SSLVersionMin / SSLVersionMax. Thunderbird uses its own TLS library "
      "(NSS): Windows registry settings do not change it.",
      "Thunderbird を最新バージョンに更新してください。Thunderbird 31 以降"
      "は既定で TLS 1.2 に対応しているようです(Firefox/Gecko の既定値から"
      "の推定で、Thunderbird での確認はされていません)。78 以降は TLS 1.2 "
      "が必須です。最新版でも TLS 1.0/1.1 しか提示しない場合は、設定"
      "エディターの security.tls.version.min と security.tls.version.max"
      "(3 = TLS 1.2、4 = TLS 1.3)、またはポリシー SSLVersionMin / "
      "SSLVersionMax を確認してください。Thunderbird は独自の TLS ライブラリ"
      "(NSS)を使うため、Windows のレジストリ設定は影響しません。",
      "KNOWLEDGE §5 [S26][S27][S28][S29][S31] (TB 31 mapping ❓, TB 78 ⚠️), "
      "§1.1; seed §4",
      true},
     c_thunderbird},
    {{"apple-mail-old",
      "Apple Mail on iOS 9 / OS X 10.11 or earlier: update the OS",
      "iOS 9 / OS X 10.11 以前のメール App: OS を更新してください",
      "Apple Mail on iOS 9 or earlier and OS X 10.11 or earlier uses only "
      "TLS 1.0 for IMAP/POP/SMTP, even though the system itself supports "
      "TLS 1.2; Mail uses TLS 1.2 from iOS 10 and macOS 10.12 Sierra. This "
      "rests on community reports, not Apple documentation. Update the OS; "
      "if the device cannot be updated, use Outlook on the Web or another "
      "mail app.",
      "iOS 9 以前および OS X 10.11 以前の Apple のメール App は、OS 自体が"
      " TLS 1.2 に対応していても IMAP/POP/SMTP では TLS 1.0 しか使いません。"
      "メール App が TLS 1.2 を使うのは iOS 10 / macOS 10.12 Sierra からです"
      "(Apple の公式文書ではなく、コミュニティの報告に基づく情報です)。"
      "OS を更新してください。更新できない端末では Outlook on the Web や"
      "別のメールアプリをご利用ください。",
      "KNOWLEDGE R6, §6 [S32][S33] ⚠️; seed §4 ('MacOS 12' read as 10.12)",
      true},
     c_apple},
    {{"android-old",
      "Old Android: update the device or use a mail app with TLS 1.2",
      "古い Android: 端末を更新するか TLS 1.2 対応のメールアプリを使って"
      "ください",
      "Android enables TLS 1.1/1.2 by default only from 4.4W / 5.0 (API "
      "20/21). On 4.1 to 4.4 it depends on the app, and older versions "
      "cannot use TLS 1.2. Update the device, or use a mail app that "
      "enables TLS 1.2 itself.",
      "Android で TLS 1.1/1.2 が既定で有効になるのは 4.4W / 5.0(API "
      "20/21)からです。4.1〜4.4 ではアプリ次第で、それより古いバージョン"
      "は TLS 1.2 を使えません。端末を更新するか、TLS 1.2 を自分で有効に"
      "するメールアプリをご利用ください。",
      "KNOWLEDGE §6 (Android libcore commit, [S14]; K-9 ⚠️ [S37])",
      false},
     c_android},
    {{"java7",
      "Java: use Java 8+, or -Djdk.tls.client.protocols=TLSv1.2 on 7u95+",
      "Java: Java 8 以降を使うか、7u95 以降で "
      "-Djdk.tls.client.protocols=TLSv1.2 を指定してください",
      "JDK 7 implements TLS 1.2, but its client default is TLS 1.0. Move "
      "the program to Java 8 or later (TLS 1.2 is the client default), or "
      "on JDK 7u95 and later start it with "
      "-Djdk.tls.client.protocols=TLSv1.2. Also check that the program "
      "does not force an older protocol itself.",
      "JDK 7 は TLS 1.2 を実装していますが、クライアントの既定は TLS 1.0 "
      "です。Java 8 以降(クライアントの既定が TLS 1.2)に移行するか、"
      "JDK 7u95 以降であれば -Djdk.tls.client.protocols=TLSv1.2 を付けて"
      "起動してください。プログラム自体が古いプロトコルを指定していないか"
      "も確認してください。",
      "KNOWLEDGE §6 (Java) [S38]",
      false},
     c_java},
    {{"dotnet",
      ".NET programs: SchUseStrongCrypto and SystemDefaultTlsVersions",
      ".NET のプログラム: SchUseStrongCrypto と SystemDefaultTlsVersions",
      "If the program is a .NET application (scripts, line-of-business "
      "tools, device software): .NET Framework 3.5 and 4.0-4.5.2 do not use "
      "TLS 1.2 by default. Set these REG_DWORD values, in both bitnesses:\n"
      NET4 "\n" NET4W "\n" NET2 "\n" NET2W "\n"
      "Value name: SchUseStrongCrypto, value data: 1\n"
      "Value name: SystemDefaultTlsVersions, value data: 1\n"
      "For .NET 3.5 install the OS update first (KB3154518 on Windows 7 / "
      "2008 R2, KB3154519 on 2012, KB3154520 on 8.1 / 2012 R2, KB3154517 on "
      "2008 SP2). On Windows 7 the Schannel TLS 1.2\\Client setting is "
      "needed as well. Restart the program.",
      ".NET のプログラム(スクリプト、業務システム、機器付属のソフト"
      "など)の場合: .NET Framework 3.5 と 4.0〜4.5.2 は既定では TLS 1.2 を"
      "使いません。次のキーに REG_DWORD の値を作成してください(32 ビット"
      "用と 64 ビット用の両方)。\n"
      NET4 "\n" NET4W "\n" NET2 "\n" NET2W "\n"
      "値の名前: SchUseStrongCrypto、値のデータ: 1\n"
      "値の名前: SystemDefaultTlsVersions、値のデータ: 1\n"
      ".NET 3.5 の場合は先に OS の更新プログラムを適用してください"
      "(Windows 7 / 2008 R2 は KB3154518、2012 は KB3154519、8.1 / 2012 R2 "
      "は KB3154520、2008 SP2 は KB3154517)。Windows 7 では Schannel の "
      "TLS 1.2\\Client の設定も必要です。設定後、プログラムを再起動して"
      "ください。",
      "KNOWLEDGE §3 [S11] (✅), [S13] ⚠️",
      false},
     c_dotnet},
    {{"tls-library-old",
      "OpenSSL/GnuTLS program: update it (and its TLS library)",
      "OpenSSL/GnuTLS を使うプログラム: プログラムと TLS ライブラリを更新"
      "してください",
      "The program uses OpenSSL, LibreSSL or GnuTLS. OpenSSL supports TLS "
      "1.1/1.2 from 1.0.1 (2012) and GnuTLS made TLS 1.2 its default in "
      "2.10.0 (2010). Update the program and its TLS library; if they are "
      "current, look for a setting that pins an old protocol (for example a "
      "forced 'TLSv1' option).",
      "このプログラムは OpenSSL / LibreSSL / GnuTLS を使っています。"
      "OpenSSL は 1.0.1(2012 年)から TLS 1.1/1.2 に対応し、GnuTLS は "
      "2.10.0(2010 年)から TLS 1.2 が既定です。プログラムと TLS ライブラリ"
      "を更新してください。最新版でも同じ場合は、古いプロトコルを固定する"
      "設定(例: 「TLSv1」を強制するオプション)がないか確認してください。",
      "KNOWLEDGE §6 [S39][S40]",
      false},
     c_library},
    {{"office365-3des-rc4",
      "No cipher suite in common: 3DES and RC4 are gone",
      "共通の暗号スイートがありません: 3DES と RC4 は使えません",
      "The client offers no cipher suite the server accepts. Office 365 "
      "removed 3DES (TLS_RSA_WITH_3DES_EDE_CBC_SHA) on 2019-02-28 and does "
      "not list RC4. The client must offer AES suites such as "
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA. Update the client or its OS.",
      "サーバーが受け入れる暗号スイートをクライアントが一つも提示して"
      "いません。Office 365 は 2019 年 2 月 28 日に 3DES "
      "(TLS_RSA_WITH_3DES_EDE_CBC_SHA)を廃止し、RC4 も一覧にありません。"
      "クライアントは TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 や "
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA などの AES のスイートを提示する"
      "必要があります。クライアントまたは OS を更新してください。",
      "KNOWLEDGE §7.1, §7.3 [S15]",
      false},
     c_suites},
    {{"o365-legacy-endpoints",
      "Office 365 legacy TLS endpoints: being retired now",
      "Office 365 の旧 TLS 用エンドポイント: 現在廃止が進んでいます",
      "Stop-gap only, and ending now. For POP3/IMAP4/SMTP AUTH clients "
      "stuck on TLS 1.0/1.1, Microsoft offered opt-in hosts "
      "pop-legacy.office365.com, imap-legacy.office365.com and "
      "smtp-legacy.office365.com, which need the tenant setting "
      "Set-TransportConfig -AllowLegacyTLSClients $true. The legacy "
      "POP/IMAP TLS support is being retired in a roll-out from 2026-07-01 "
      "to 2026-12-31 (MC1293480), i.e. right now: do not plan on it, fix "
      "the client instead. What a client sees after the retirement is not "
      "documented.",
      "一時しのぎの方法で、しかも現在終了しつつあります。TLS 1.0/1.1 しか"
      "使えない POP3 / IMAP4 / SMTP AUTH のクライアント向けに、Microsoft は"
      "オプトイン方式の接続先 pop-legacy.office365.com、"
      "imap-legacy.office365.com、smtp-legacy.office365.com を提供して"
      "きました(テナントで Set-TransportConfig -AllowLegacyTLSClients "
      "$true の設定が必要)。POP/IMAP の旧 TLS 対応は 2026 年 7 月 1 日から"
      " 12 月 31 日にかけて順次廃止されています(MC1293480)。これに頼らず、"
      "クライアント側を対応させてください。廃止後にクライアントにどう見える"
      "かは公表されていません。",
      "KNOWLEDGE R2, §7.1, §7.2, §9 Q2 [S16][S17][S20]",
      false},
     c_o365_legacy},
    {{"generic-update",
      "Client not identified: check and update the mail program and OS",
      "クライアントを特定できません: メールソフトと OS を確認・更新して"
      "ください",
      "The client could not be identified. Check whether the mail program "
      "and the operating system support TLS 1.2 and update both; if the "
      "program cannot use TLS 1.2, use Outlook on the Web in a current "
      "browser. When asking for help, give the OS type and version and the "
      "mail program and its version.",
      "クライアントを特定できませんでした。ご利用のメールソフトと OS が "
      "TLS 1.2 に対応しているか仕様を確認し、両方を更新してください。TLS "
      "1.2 を使えない場合は、最新のブラウザーから Outlook on the Web を"
      "ご利用ください。問い合わせの際は、OS の種類とバージョン、メール"
      "ソフトとそのバージョンをお知らせください。",
      "seed notice §4 and closing; KNOWLEDGE R1",
      false},
     c_generic},
};

/* ---- API --------------------------------------------------------------- */

static struct advice catalogue[ARRAY_LEN(rules)];

const struct advice *
advice_all(size_t *num)
{
    for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
        catalogue[i] = rules[i].adv;
    }
    *num = ARRAY_LEN(rules);
    return catalogue;
}

const struct advice *
advice_get(const char *id)
{
    if (id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
        if (strcmp(rules[i].adv.id, id) == 0) {
            return &rules[i].adv;
        }
    }
    return NULL;
}

const char *
advice_lang_normalise(const char *lang)
{
    if (lang != NULL && (lang[0] == 'j' || lang[0] == 'J') &&
        (lang[1] == 'a' || lang[1] == 'A')) {
        return "ja";
    }
    return "en";
}

const char *
advice_text(const struct advice *adv, const char *lang)
{
    return strcmp(advice_lang_normalise(lang), "ja") == 0 ? adv->text_ja
                                                          : adv->text_en;
}

const char *
advice_title(const struct advice *adv, const char *lang)
{
    return strcmp(advice_lang_normalise(lang), "ja") == 0 ? adv->title_ja
                                                          : adv->title_en;
}

const char *
advice_lang_from_env(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

    for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0') {
            return advice_lang_normalise(v);
        }
    }
    return "en";
}

size_t
advice_select(const struct attempt *a, const char **ids, size_t max)
{
    size_t n = 0;
    bool https = strncmp(a->protocol, "https", sizeof(a->protocol)) == 0;

    for (size_t i = 0; i < ARRAY_LEN(rules) && n < max; i++) {
        if (rules[i].applies(a)) {
            ids[n++] = rules[i].adv.id;
        }
    }
    /*
     * Seed §2 vs §3: over HTTPS (Exchange/M365 via WinHTTP) step A comes
     * first; for POP/IMAP/SMTP step B is the one that is required.
     */
    if (https) {
        for (size_t i = 0; i + 1 < n; i++) {
            if (strcmp(ids[i], "win7-schannel-tls12-client") == 0 &&
                strcmp(ids[i + 1], "win7-outlook-winhttp") == 0) {
                const char *t = ids[i];
                ids[i] = ids[i + 1];
                ids[i + 1] = t;
                break;
            }
        }
    }
    return n;
}

void
advice_apply(struct attempt *a)
{
    a->verdict.num_advice =
        advice_select(a, a->verdict.advice, ATTEMPT_MAX_ADVICE);
}
