namespace Germqtt.Tests.Gerrit;

public class LineSplitterTests
{
    private static List<byte[]> Split(Stream s) => Split(s, int.MaxValue).Lines;

    private static (List<byte[]> Lines, List<long> TooLong) Split(Stream s, int maxLine)
    {
        var lines = new List<byte[]>();
        var tooLong = new List<long>();
        new LineSplitter(maxLine, lines.Add, tooLong.Add).Pump(s);
        return (lines, tooLong);
    }

    [Test]
    public void Lines_are_split_on_newline_and_keep_every_other_byte()
    {
        byte[] input = [.. "a\r\n"u8, 0xff, 0x00, .. "b\n\nc\n"u8];
        var lines = Split(new MemoryStream(input));
        Assert.That(lines, Is.EqualTo(new[] { "a\r"u8.ToArray(), [0xff, 0x00, (byte)'b'], [], "c"u8.ToArray() }));
    }

    [Test]
    public void A_line_split_across_reads_is_joined()
    {
        var lines = Split(new TrickleStream("{\"type\":\"a\"}\n{\"type\":\"b\"}\n"u8.ToArray(), chunk: 3));
        Assert.That(lines.Select(l => System.Text.Encoding.UTF8.GetString(l)), Is.EqualTo(new[] { "{\"type\":\"a\"}", "{\"type\":\"b\"}" }));
    }

    [Test]
    public void A_line_longer_than_the_read_buffer_arrives_whole()
    {
        byte[] big = Enumerable.Repeat((byte)'x', 300_000).Append((byte)'\n').ToArray();
        var lines = Split(new MemoryStream(big));
        Assert.That(lines.Single(), Has.Length.EqualTo(300_000));
    }

    [Test]
    public void An_unterminated_last_line_is_still_delivered() =>
        Assert.That(Split(new MemoryStream("a\nb"u8.ToArray())).Select(l => l.Length), Is.EqualTo(new[] { 1, 1 }));

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(65_536)]
    public void A_line_over_the_limit_is_reported_with_its_length_and_the_next_lines_arrive(int chunk)
    {
        byte[] input = [.. "ok\n"u8, .. Enumerable.Repeat((byte)'x', 200_000), .. "\nafter\n12345\n123456\n"u8];
        var (lines, tooLong) = Split(new TrickleStream(input, chunk), maxLine: 5);
        Assert.That(lines.Select(l => System.Text.Encoding.UTF8.GetString(l)), Is.EqualTo(new[] { "ok", "after", "12345" }));
        Assert.That(tooLong, Is.EqualTo(new long[] { 200_000, 6 }));
    }

    [Test]
    public void A_line_at_the_limit_is_delivered_and_one_byte_more_is_not()
    {
        var (lines, tooLong) = Split(new MemoryStream("12345\n123456\n1234567"u8.ToArray()), maxLine: 6);
        Assert.That(lines.Select(l => l.Length), Is.EqualTo(new[] { 5, 6 }));
        Assert.That(tooLong, Is.EqualTo(new long[] { 7 }));
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
