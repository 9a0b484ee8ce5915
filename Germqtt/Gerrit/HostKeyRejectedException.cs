namespace Germqtt.Gerrit;

/// <summary>Thrown from the host-key callback: the server is not the Gerrit we know.</summary>
public sealed class HostKeyRejectedException(string message) : Exception(message);
