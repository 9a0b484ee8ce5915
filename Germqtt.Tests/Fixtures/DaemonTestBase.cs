namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A test class whose tests share one test Gerrit (real sshd) and one real Mosquitto, started
/// once for the class. Tests in it run one at a time: they break the daemons on purpose.
/// </summary>
[NonParallelizable]
public abstract class DaemonTestBase
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    protected TestGerrit Gerrit { get; private set; } = null!;
    protected Mosquitto Broker { get; private set; } = null!;

    /// <summary>Lines added to the broker's configuration.</summary>
    protected virtual string BrokerConfig => "";

    [OneTimeSetUp]
    public async Task StartDaemons()
    {
        Gerrit = await TestGerrit.StartAsync();
        Broker = await Mosquitto.StartAsync(BrokerConfig);
    }

    [OneTimeTearDown]
    public async Task StopDaemons()
    {
        await Gerrit.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
