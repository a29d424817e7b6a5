using Google.Protobuf;
using Liberterra.Command.Server.Tak;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// TAK protocol version 1 (protobuf streaming): what the server writes reads back as the same event, however the stream
/// is cut; what a device sends in it goes through the same XML checks as an XML event, and a stream that is not TAK
/// protocol, a length over the limit, a payload that is not protobuf or a detail that would break out of its event is
/// refused in one line. (TAK's own node-cot reads and writes it in TakEndpointTests.)
/// </summary>
public class TakProtocolTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 3, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void an_event_written_is_read_back_the_same_even_one_byte_at_a_time()
    {
        var sent = new[]
        {
            new CotEvent("liberterra.op.AR-RAID-01", "a-f-G-U-C", "h-g-i-g-o", Now, Now, Now.AddMinutes(30), new CotPoint(-26.8241, -65.2226, Ce: 50_000),
                "Condor 1", "EnRoute · 3 rescued (2 children, 1 woman, 0 men) · 0 arrested"),
            new CotEvent("GeoChat.liberterra-command.ANDROID-1.op.7", "b-t-f", "h-g-i-g-o", Now, Now, Now.AddDays(1), new CotPoint(0, 0), null,
                "Order #7 (Hold): hold at the <gate> & wait", new CotChat("ANDROID-1", "Command", "ANDROID-1")),
        };
        var stream = sent.SelectMany(TakProtocol.Frame).ToArray();
        var framer = new TakProtocolFramer();
        var read = new List<CotEvent>();
        foreach (var b in stream)
        {
            framer.Append([b]);
            while (framer.TryTake(out var payload, out var error))
            {
                Assert.Null(error);
                read.Add(CotXml.Parse(TakProtocol.ToXml(payload, out error)!, out error)!);
                Assert.Null(error);
            }
        }

        Assert.False(framer.HasPartialEvent);
        Assert.Equal(sent.Length, read.Count);
        for (var i = 0; i < sent.Length; i++)
            Assert.Equal(sent[i] with { Control = null }, read[i]);
    }

    [Fact]
    public void a_request_for_version_1_is_read_and_the_offer_and_answer_say_so()
    {
        var request = CotXml.Parse("""<event version="2.0" uid="protouid" type="t-x-takp-q" time="2026-12-07T03:00:00Z" start="2026-12-07T03:00:00Z" stale="2026-12-07T03:01:00Z" how="m-g"><point lat="0.0" lon="0.0" hae="0.0" ce="999999" le="999999"/><detail><TakControl><TakRequest version="1"/></TakControl></detail></event>""", out _);
        Assert.Equal(1, request!.Control!.Request);
        Assert.Contains("<TakControl><TakProtocolSupport version=\"1\" /></TakControl>", CotXml.Write(TakProtocol.Offer(Now)));
        Assert.Contains("<TakControl><TakResponse status=\"true\" /></TakControl>", CotXml.Write(TakProtocol.Answer(true, Now)));
    }

    public static TheoryData<string, byte[], string> Hostile => new()
    {
        { "not TAK protocol", "<event version=\"2.0\"/>"u8.ToArray(), "not a TAK protocol message (no 0xbf)" },
        { "a length over 64 KiB", [0xbf, 0x80, 0x80, 0x08], "a TAK protocol message over 65536 bytes" },
        { "a length that never ends", [0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "a TAK protocol message length that is not a varint" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void a_stream_that_is_not_tak_protocol_is_refused(string what, byte[] bytes, string why)
    {
        var framer = new TakProtocolFramer();
        framer.Append(bytes);
        Assert.False(framer.TryTake(out _, out var error), what);
        Assert.Equal(why, error);
    }

    [Fact]
    public void a_payload_that_is_not_protobuf_is_refused()
    {
        Assert.Null(TakProtocol.ToXml([0x12, 0x50, 0x01], out var error));       // cotEvent, 80 bytes long, 1 there
        Assert.StartsWith("not a well-formed TAK protocol message", error);
    }

    [Theory]
    [InlineData("<!DOCTYPE d [<!ENTITY a \"aaaa\">]><remarks>&a;</remarks>")]
    [InlineData("</detail></event><event version=\"2.0\" uid=\"liberterra.op.MK-RAID-01\"><detail>")]
    [InlineData("<remarks>bell\u0007</remarks>")]
    [InlineData("<remarks>unclosed")]
    public void a_detail_that_breaks_out_of_its_event_or_is_not_plain_is_refused_by_the_xml_checks(string xmlDetail)
    {
        var xml = TakProtocol.ToXml(Payload(xmlDetail, time: 1_796_000_000_000), out var error);
        Assert.Null(error);
        Assert.Null(CotXml.Parse(xml!, out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void a_time_past_year_9999_is_refused()
    {
        Assert.Null(TakProtocol.ToXml(Payload("", time: ulong.MaxValue), out var error));
        Assert.Equal("time, start or stale out of range", error);
    }

    [Fact]
    public void a_message_that_is_only_a_tak_control_is_nothing_to_read()
    {
        Assert.Null(TakProtocol.ToXml([0x0a, 0x02, 0x08, 0x01], out var error));    // takControl { minProtoVersion: 1 }
        Assert.Null(error);
    }

    // A TakMessage whose event is a PLI with the given xmlDetail, built field by field as TAK's protobuf defines it.
    private static byte[] Payload(string xmlDetail, ulong time)
    {
        static byte[] Message(Action<CodedOutputStream> write)
        {
            using var buffer = new MemoryStream();
            var o = new CodedOutputStream(buffer);
            write(o);
            o.Flush();
            return buffer.ToArray();
        }

        var detail = Message(o => { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(xmlDetail); });
        var cot = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString("a-f-G-U-C");
            o.WriteTag(5, WireFormat.WireType.LengthDelimited); o.WriteString("ANDROID-1");
            foreach (var field in new[] { 6, 7, 8 }) { o.WriteTag(field, WireFormat.WireType.Varint); o.WriteUInt64(time); }
            o.WriteTag(9, WireFormat.WireType.LengthDelimited); o.WriteString("m-g");
            o.WriteTag(10, WireFormat.WireType.Fixed64); o.WriteDouble(1.5);
            o.WriteTag(11, WireFormat.WireType.Fixed64); o.WriteDouble(2.5);
            o.WriteTag(15, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(detail));
        });
        return Message(o => { o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(cot)); });
    }
}
