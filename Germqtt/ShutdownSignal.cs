using System.Runtime.InteropServices;

namespace Germqtt;

/// <summary>
/// SIGTERM and SIGINT become one cancellation token, the start of an orderly stop. A second
/// signal is left to the runtime, so an impatient operator can still end the process at once.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal(Log log)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, log)),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, log)),
        ];
    }

    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context, Log log)
    {
        if (_stop.IsCancellationRequested) return;
        context.Cancel = true;
        log.Info($"received {context.Signal}");
        _stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
