namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A private CA and certificates made with the openssl command line: a broker certificate for
/// localhost/127.0.0.1, one for a host name nobody connects to, and a client certificate.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string dir) => Dir = dir;

    public string Dir { get; }
    public string CaCert => Path.Combine(Dir, "ca.crt");
    public string ServerCert => Path.Combine(Dir, "server.crt");
    public string ServerKey => Path.Combine(Dir, "server.key");
    public string WrongHostCert => Path.Combine(Dir, "wrong.crt");
    public string WrongHostKey => Path.Combine(Dir, "wrong.key");
    public string ClientCert => Path.Combine(Dir, "client.crt");
    public string ClientKey => Path.Combine(Dir, "client.key");

    public static async Task<TestCertificates> CreateAsync()
    {
        var certs = new TestCertificates(Directory.CreateTempSubdirectory("germqtt-certs-").FullName);
        await OpenSsl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=germqtt test CA",
            "-keyout", Path.Combine(certs.Dir, "ca.key"), "-out", certs.CaCert);
        await certs.Issue("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        await certs.Issue("wrong", "/CN=wrong.example.org", "subjectAltName=DNS:wrong.example.org");
        await certs.Issue("client", "/CN=germqtt", "extendedKeyUsage=clientAuth");
        return certs;
    }

    private async Task Issue(string name, string subject, string extension)
    {
        string key = Path.Combine(Dir, name + ".key"), csr = Path.Combine(Dir, name + ".csr");
        await OpenSsl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", csr);
        string ext = Path.Combine(Dir, name + ".ext");
        File.WriteAllText(ext, extension + "\n");
        await OpenSsl("x509", "-req", "-in", csr, "-CA", CaCert, "-CAkey", Path.Combine(Dir, "ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", Path.Combine(Dir, name + ".crt"));
    }

    private static Task<ProcessResult> OpenSsl(params string[] args) => ProcessRunner.RunAsync("openssl", args);

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
