// TLS to Redis through hiredis's TLS library (see redis_tls.hpp). hiredis checks the chain of
// the server's certificate but not the name in it, so this makes the OpenSSL objects itself:
// verification on, the CA file or the system's store, and the host name (or IP address) of
// REDIS_HOST as the name the certificate must carry.
#include "redis_tls.hpp"

#include <memory>

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <hiredis.h>
#include <hiredis_ssl.h>

#include "fib/config.hpp"
#include "fib/errors.hpp"
#include "fib/keys.hpp"

namespace fib::redis::tls {
namespace {

struct ContextFree {
    void operator()(SSL_CTX *context) const noexcept { SSL_CTX_free(context); }
};
struct SslFree {
    void operator()(SSL *ssl) const noexcept { SSL_free(ssl); }
};

// The oldest error on OpenSSL's queue, and the queue emptied.
std::string openSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return "no detail from OpenSSL";
    char text[256] = {};
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// The title goes into every 503's problem+json (and /readyz's), so it names the setting to
// check but no host or path; the detail, for the log, has the rest.
[[noreturn]] void fail(const Config &config, const std::string &title, const std::string &what)
{
    throw UnavailableError(title, "TLS to Redis at " + config.redisHost + ":" +
                                      std::to_string(config.redisPort) + ": " + what);
}

std::unique_ptr<SSL_CTX, ContextFree> clientContext(const Config &config)
{
    std::unique_ptr<SSL_CTX, ContextFree> context(SSL_CTX_new(TLS_client_method()));
    if (!context)
        fail(config, "Redis unavailable", "cannot make an OpenSSL context: " + openSslError());
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    if (config.redisTlsCa.empty()) {
        if (SSL_CTX_set_default_verify_paths(context.get()) != 1)
            fail(config, "Redis TLS: the system's CA store is unreadable (set REDIS_TLS_CA)",
                 "cannot read the system's CA store: " + openSslError());
    } else if (SSL_CTX_load_verify_locations(context.get(), config.redisTlsCa.c_str(), nullptr) !=
               1) {
        fail(config, "Redis TLS: REDIS_TLS_CA is unreadable",
             "cannot read " + std::string(env::kRedisTlsCa) + "=" + config.redisTlsCa + ": " +
                 openSslError());
    }
    if (!config.redisTlsCert.empty()) {
        if (SSL_CTX_use_certificate_chain_file(context.get(), config.redisTlsCert.c_str()) != 1)
            fail(config, "Redis TLS: REDIS_TLS_CERT is unreadable",
                 "cannot read " + std::string(env::kRedisTlsCert) + "=" + config.redisTlsCert +
                     ": " + openSslError());
        if (SSL_CTX_use_PrivateKey_file(context.get(), config.redisTlsKey.c_str(),
                                        SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(context.get()) != 1)
            fail(config, "Redis TLS: REDIS_TLS_KEY does not fit REDIS_TLS_CERT",
                 "cannot use " + std::string(env::kRedisTlsKey) + "=" + config.redisTlsKey +
                     " with " + env::kRedisTlsCert + ": " + openSslError());
    }
    return context;
}

// What a failed handshake means for the person who has to fix it.
[[noreturn]] void handshakeFailed(const Config &config, SSL &ssl, const char *hiredisError)
{
    const long verify = SSL_get_verify_result(&ssl);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
        fail(config, "Redis TLS: the server's certificate does not name REDIS_HOST",
             "the server's certificate does not name " + std::string(env::kRedisHost) + "=" +
                 config.redisHost + " (use the host name the certificate was made for)");
    if (verify != X509_V_OK)
        fail(config,
             config.redisTlsCa.empty()
                 ? "Redis TLS: the server's certificate is not trusted (set REDIS_TLS_CA)"
                 : "Redis TLS: the server's certificate is not trusted by REDIS_TLS_CA",
             "the server's certificate is not trusted by " +
                 (config.redisTlsCa.empty()
                      ? std::string("the system's CA store")
                      : std::string(env::kRedisTlsCa) + "=" + config.redisTlsCa) +
                 ": " + X509_verify_cert_error_string(verify));
    fail(config, "Redis TLS: the handshake failed (is REDIS_PORT Redis's TLS port?)",
         std::string("the TLS handshake failed: ") + hiredisError);
}

bool isAddress(const std::string &host)
{
    unsigned char address[sizeof(in6_addr)] = {};
    return inet_pton(AF_INET, host.c_str(), address) == 1 ||
           inet_pton(AF_INET6, host.c_str(), address) == 1;
}

} // namespace

bool supported() noexcept
{
    return true;
}

std::string unsupportedReason()
{
    return {};
}

void start(redisContext &context, const Config &config)
{
    const auto sslContext = clientContext(config);
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(sslContext.get()));
    if (!ssl)
        fail(config, "Redis unavailable", "cannot make an OpenSSL connection: " + openSslError());
    // SSL_set1_host takes a DNS name or an IP address (OpenSSL 3), and checks it during the
    // handshake; a name also goes out as SNI, which ElastiCache's endpoints expect.
    if (SSL_set1_host(ssl.get(), config.redisHost.c_str()) != 1)
        fail(config, "Redis TLS: REDIS_HOST is not a usable name",
             "cannot check the certificate against " + std::string(env::kRedisHost) + "=" +
                 config.redisHost + ": " + openSslError());
    // (SSL_set_tlsext_host_name, without the macro's C cast.)
    if (!isAddress(config.redisHost))
        SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char *>(config.redisHost.c_str()));
    if (redisInitiateSSL(&context, ssl.get()) != REDIS_OK)
        handshakeFailed(config, *ssl, context.errstr);
    // The connection owns it now, and frees it with itself.
    [[maybe_unused]] SSL *const owned = ssl.release();
}

} // namespace fib::redis::tls
