namespace Germqtt.Host;

/// <summary>Process exit codes (sysexits.h where one fits), so systemd can tell a bad config from a crash.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unavailable = 69; // EX_UNAVAILABLE: --check found a side it cannot use.
    public const int IoError = 74; // EX_IOERR: the output (--dry-run's standard output) cannot be written.
    public const int Config = 78; // EX_CONFIG: restarting will not help (RestartPreventExitStatus=78).
}
