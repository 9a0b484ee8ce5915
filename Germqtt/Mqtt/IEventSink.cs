namespace Germqtt.Mqtt;

/// <summary>Where buffered events go: the broker, or standard output for --dry-run.</summary>
public interface IEventSink
{
    /// <summary>Runs until the buffer is complete and delivered, or <paramref name="deadline"/> is cancelled.</summary>
    Task RunAsync(CancellationToken deadline);

    /// <summary>Events not delivered when it stopped.</summary>
    int Undelivered { get; }

    /// <summary>After the run: the events never delivered, oldest first (they are spooled when a state file is kept).</summary>
    IReadOnlyCollection<RoutedEvent> TakeUndelivered();

    /// <summary>Publishes a document about germqtt itself, where there is a bus to publish it on.</summary>
    Task PublishStatusAsync(string subtopic, byte[] payload, CancellationToken cancel);
}
