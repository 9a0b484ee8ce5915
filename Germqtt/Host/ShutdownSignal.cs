using System.Runtime.InteropServices;

namespace Germqtt.Host;

/// <summary>
/// SIGTERM and SIGINT become one cancellation token, the start of an orderly stop. Created first
/// thing, so a signal during start-up (configuration, pid file) is an orderly stop too. A second
/// signal is left to the runtime, so an impatient operator can still end the process at once.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signalled;

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
        if (Interlocked.Exchange(ref _signalled, 1) == 1) return;
        context.Cancel = true;
        log.Info($"received {context.Signal}");
        // The stop's callbacks (closing the SSH channel, the drain) must not run on the runtime's signal thread.
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try { _stop.Cancel(); }
            catch (ObjectDisposedException) { /* the process finished before the signal's work began */ }
        });
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
