using System.Text;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// Names a broker refuses in a topic, against the real Mosquitto: it closes the connection of a
/// client that publishes a topic with a control character or a noncharacter, so germqtt writes
/// them (and bytes that are not UTF-8) as %XX, and no event holds back the ones behind it.
/// </summary>
public class TopicEscapingTests : DaemonTestBase
{
    /// <summary>A JSON string's content as Gerrit might send it, and the topic level it becomes.</summary>
    private static readonly (byte[] Json, string Level)[] OddNames =
    [
        (Ascii(@"ctl\u0001x"), "ctl%01x"),
        (Ascii(@"tab\there\u001f"), "tab%09here%1F"),
        (Ascii(@"del\u007f"), "del%7F"),
        (Ascii(@"c1\u0080\u0085\u009f"), "c1%C2%80%C2%85%C2%9F"),
        ([.. "c1raw"u8, 0xC2, 0x85], "c1raw%C2%85"),
        (Ascii(@"nonchar\ufdd0\ufdef"), "nonchar%EF%B7%90%EF%B7%AF"),
        (Ascii(@"nonchar\ufffe\uffff"), "nonchar%EF%BF%BE%EF%BF%BF"),
        (Ascii(@"plane1\ud83f\udfff"), "plane1%F0%9F%BF%BF"),
        ([.. "latin1"u8, 0xE9, .. "t"u8], "latin1%E9t"),
        ([.. "cut"u8, 0xE2, 0x82], "cut%E2%82"),
        ([.. "lone"u8, 0xFF, 0xFE], "lone%FF%FE"),
        (Ascii(@"wild+card#nul\u0000"), "wild%2Bcard%23nul%00"),
        ("équipe/日本"u8.ToArray(), "équipe/日本"),
        (Ascii("100%"), "100%"),
    ];

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Line(byte[] project, byte[] type, int n) =>
        [.. "{\"type\":\""u8, .. type, .. "\",\"project\":\""u8, .. project, .. "\",\"n\":"u8, .. Ascii(n.ToString()), .. "}\n"u8];

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task Events_with_names_a_broker_refuses_arrive_on_escaped_topics_without_a_reconnect(int qos)
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, qos));

        // Each odd name as the project and as the type, each between two ordinary events.
        var sent = new List<(byte[] Line, string Topic)>();
        void Add(byte[] project, string projectLevel, byte[] type, string typeLevel) =>
            sent.Add((Line(project, type, sent.Count), $"{topic}/{projectLevel}/{typeLevel}"));
        foreach (var (json, level) in OddNames)
        {
            Add("plain"u8.ToArray(), "plain", "comment-added"u8.ToArray(), "comment-added");
            Add(json, level, "comment-added"u8.ToArray(), "comment-added");
            Add("plain"u8.ToArray(), "plain", json, level);
        }
        Add("plain"u8.ToArray(), "plain", "comment-added"u8.ToArray(), "comment-added");
        Gerrit.EmitBytes([.. sent.SelectMany(s => s.Line)]);
        await probe.WaitForCountAsync(sent.Count, Wait);

        var received = probe.Messages;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(received.Select(m => m.Topic), Is.EqualTo(sent.Select(s => s.Topic)), probe.Describe);
            Assert.That(received.Select(m => m.Payload), Is.EqualTo(sent.Select(s => s.Line[..^1])), "payloads byte for byte");
            Assert.That(bridge.StdErr, Has.None.Contains("reconnect attempt").And.None.Contains("set aside"), bridge.Transcript());
        }
    }
}
