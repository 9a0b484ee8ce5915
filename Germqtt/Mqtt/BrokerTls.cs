using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace Germqtt.Mqtt;

/// <summary>
/// TLS to the broker, the same for TCP and websockets: the server certificate must chain to the
/// configured CAs (or the system's) and name the host, unless tls_insecure says otherwise.
/// One validation callback serves both transports, because MQTTnet's websocket channel ignores
/// a custom trust chain.
/// </summary>
internal static class BrokerTls
{
    public static void Apply(MqttClientOptionsBuilder builder, TlsOptions tls)
    {
        if (!tls.Enabled) return;
        var trusted = new X509Certificate2Collection();
        if (tls.CaCerts is not null) trusted.ImportFromPemFile(tls.CaCerts);
        builder.WithTlsOptions(o =>
        {
            o.UseTls();
            o.WithCertificateValidationHandler(e => tls.Insecure || Trusted(e.Certificate, e.SslPolicyErrors, trusted));
            if (tls.CertFile is not null && tls.KeyFile is not null)
                o.WithClientCertificates([X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)]);
        });
    }

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        if (trusted.Count == 0) return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        // A private CA rarely publishes revocation lists, and the host may not reach them anyway.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public static string? CaProblem(string path)
    {
        if (FileChecks.ReadableProblem(path) is { } unreadable) return unreadable;
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            return certificates.Count > 0 ? null : $"{path} holds no PEM certificate";
        }
        catch (CryptographicException e)
        {
            return $"{path} is not a PEM certificate file: {e.Message}";
        }
    }

    public static string? ClientCertificateProblem(string certFile, string keyFile)
    {
        if (FileChecks.ReadableProblem(certFile) is { } cert) return cert;
        if (FileChecks.ReadableProblem(keyFile) is { } key) return $"keyfile: {key}";
        try
        {
            using var _ = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            return null;
        }
        catch (CryptographicException e)
        {
            return $"{certFile} with {keyFile} is not a usable client certificate: {e.Message}";
        }
    }
}
