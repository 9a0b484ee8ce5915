using System.Text.Json;

namespace Germqtt.Tests.Fixtures;

/// <summary>The 102 real events in Data/samples.jsonl and an independent reading of where each belongs.</summary>
public static class SampleEvents
{
    public static string Path => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "samples.jsonl");

    /// <summary>Each line's bytes, without the newline.</summary>
    public static List<byte[]> Lines()
    {
        var all = File.ReadAllBytes(Path);
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < all.Length; i++)
        {
            if (all[i] != (byte)'\n') continue;
            lines.Add(all[start..i]);
            start = i + 1;
        }
        if (start < all.Length) lines.Add(all[start..]);
        return lines;
    }

    public static string ExpectedTopic(string baseTopic, byte[] line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        string? project =
            Str(root, "project") ??
            (root.TryGetProperty("change", out var c) && c.ValueKind == JsonValueKind.Object ? Str(c, "project") : null) ??
            (root.TryGetProperty("refUpdate", out var r) && r.ValueKind == JsonValueKind.Object ? Str(r, "project") : null) ??
            Str(root, "projectName");
        return $"{baseTopic}/{project}/{root.GetProperty("type").GetString()}";
    }

    /// <summary>
    /// Emits every sample into <paramref name="gerrit"/>, then a sentinel, and asserts that
    /// <paramref name="probe"/> received each once, in order, on its topic, byte for byte. The
    /// sentinel comes last, so anything duplicated would arrive before it.
    /// </summary>
    public static async Task EmitAndAssertEachArrivesOnceInOrderAsync(TestGerrit gerrit, MqttProbe probe, string topic, TimeSpan wait)
    {
        var samples = Lines();
        gerrit.EmitBytes(File.ReadAllBytes(Path));
        gerrit.Emit("""{"type":"sentinel","project":"end"}""");
        await probe.WaitForCountAsync(samples.Count + 1, wait);

        var received = probe.Messages;
        Assert.That(received, Has.Count.EqualTo(samples.Count + 1), probe.Describe);
        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < samples.Count; i++)
            {
                Assert.That(received[i].Topic, Is.EqualTo(ExpectedTopic(topic, samples[i])), $"event {i + 1}");
                Assert.That(received[i].Payload, Is.EqualTo(samples[i]), $"payload of event {i + 1}");
            }
            Assert.That(received[^1].Topic, Is.EqualTo($"{topic}/end/sentinel"));
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
