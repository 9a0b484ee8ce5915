namespace Germqtt.Gerrit;

/// <summary>Where event lines come from: Gerrit over SSH, or standard input.</summary>
public interface IEventSource
{
    /// <summary>Reads until the input ends or <paramref name="stopping"/> is cancelled.</summary>
    Task RunAsync(CancellationToken stopping);
}
