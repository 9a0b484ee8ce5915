namespace Germqtt.Config;

/// <summary>TLS to the broker; the server certificate and its host name are checked unless <see cref="Insecure"/>.</summary>
/// <param name="CaCerts">PEM file of the CAs to trust instead of the system's.</param>
/// <param name="CertFile">PEM client certificate, with <see cref="KeyFile"/>, for brokers that require one.</param>
public sealed record TlsOptions(bool Enabled, string? CaCerts, string? CertFile, string? KeyFile, bool Insecure);
