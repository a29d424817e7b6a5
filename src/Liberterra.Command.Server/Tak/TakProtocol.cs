using System.Globalization;
using System.Text;
using System.Xml;
using Google.Protobuf;

namespace Liberterra.Command.Server.Tak;

/// <summary>
/// TAK protocol version 1 on a streaming connection: after the XML negotiation (the server's <c>t-x-takp-v</c>, the
/// client's <c>t-x-takp-q</c>, the server's <c>t-x-takp-r</c>), each message is the byte 0xbf, its length as a varint,
/// and one <c>atakmap.commoncommo.protobuf.v1.TakMessage</c> (protobuf 3). The fields read and written are TAK's
/// (TakMessage: takControl 1, cotEvent 2; CotEvent: type 1, uid 5, sendTime 6, startTime 7, staleTime 8 in ms since the
/// epoch, how 9, lat 10, lon 11, hae 12, ce 13, le 14, detail 15; Detail: xmlDetail 1, contact 2; Contact: callsign 2);
/// the others are skipped. An event read is turned back into CoT XML and read by <see cref="CotXml.Parse"/>, so
/// whichever encoding a device speaks, the same checks apply to what it says.
/// </summary>
public static class TakProtocol
{
    public const byte Magic = 0xbf;

    /// <summary>The TAK protocol version spoken besides XML (version 0).</summary>
    public const int Version = 1;

    /// <summary>The server's offer, sent first on every connection (TAK clients that do not speak it ignore it).</summary>
    public static CotEvent Offer(DateTimeOffset now) =>
        new("protouid", "t-x-takp-v", "m-g", now, now, now.AddMinutes(1), new CotPoint(0, 0), Control: new CotControl(Supports: Version));

    /// <summary>The server's answer to a client's request for a version.</summary>
    public static CotEvent Answer(bool accepted, DateTimeOffset now) =>
        new("protouid", "t-x-takp-r", "m-g", now, now, now.AddMinutes(1), new CotPoint(0, 0), Control: new CotControl(Response: accepted));

    /// <summary>An event as one stream message: 0xbf, the length of what follows, the TakMessage.</summary>
    public static byte[] Frame(CotEvent e)
    {
        var contact = e.Callsign is { } callsign ? Message(o => o.String(2, callsign)) : null;
        var detail = Message(o =>
        {
            o.String(1, CotXml.DetailXml(e));
            if (contact is not null) o.Bytes(2, contact);
        });
        var cot = Message(o =>
        {
            o.String(1, e.Type);
            o.String(5, e.Uid);
            o.UInt64(6, Milliseconds(e.Time));
            o.UInt64(7, Milliseconds(e.Start));
            o.UInt64(8, Milliseconds(e.Stale));
            o.String(9, e.How);
            o.Double(10, e.Point.Lat);
            o.Double(11, e.Point.Lon);
            o.Double(12, e.Point.Hae);
            o.Double(13, e.Point.Ce);
            o.Double(14, e.Point.Le);
            o.Bytes(15, detail);
        });
        var message = Message(o => o.Bytes(2, cot));
        var header = Message(o => o.WriteLength(message.Length));
        return [Magic, .. header, .. message];
    }

    /// <summary>
    /// One TakMessage as CoT XML, to be read by <see cref="CotXml.Parse"/>; null, with <paramref name="error"/>, when it
    /// is not a well-formed TakMessage with an event. A message that is only a TakControl gives null and no error.
    /// </summary>
    public static string? ToXml(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        try
        {
            var input = new CodedInputStream(payload.ToArray());
            ByteString? cot = null;
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                if (tag == Tag(2, WireFormat.WireType.LengthDelimited)) cot = input.ReadBytes();
                else input.SkipLastField();
            }

            return cot is null ? null : EventXml(cot, out error);
        }
        catch (InvalidProtocolBufferException e)
        {
            error = $"not a well-formed TAK protocol message ({e.Message.Split('\n')[0]})";
            return null;
        }
    }

    private static string? EventXml(ByteString cot, out string? error)
    {
        error = null;
        string type = "", uid = "", how = "", xmlDetail = "";
        string? callsign = null;
        ulong time = 0, start = 0, stale = 0;
        double lat = 0, lon = 0, hae = CotXml.Unknown, ce = CotXml.Unknown, le = CotXml.Unknown;
        var input = cot.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited): type = input.ReadString(); break;
                case (5, WireFormat.WireType.LengthDelimited): uid = input.ReadString(); break;
                case (6, WireFormat.WireType.Varint): time = input.ReadUInt64(); break;
                case (7, WireFormat.WireType.Varint): start = input.ReadUInt64(); break;
                case (8, WireFormat.WireType.Varint): stale = input.ReadUInt64(); break;
                case (9, WireFormat.WireType.LengthDelimited): how = input.ReadString(); break;
                case (10, WireFormat.WireType.Fixed64): lat = input.ReadDouble(); break;
                case (11, WireFormat.WireType.Fixed64): lon = input.ReadDouble(); break;
                case (12, WireFormat.WireType.Fixed64): hae = input.ReadDouble(); break;
                case (13, WireFormat.WireType.Fixed64): ce = input.ReadDouble(); break;
                case (14, WireFormat.WireType.Fixed64): le = input.ReadDouble(); break;
                case (15, WireFormat.WireType.LengthDelimited):
                    var detail = input.ReadBytes().CreateCodedInput();
                    for (uint d; (d = detail.ReadTag()) != 0;)
                    {
                        if (d == Tag(1, WireFormat.WireType.LengthDelimited)) xmlDetail = detail.ReadString();
                        else if (d == Tag(2, WireFormat.WireType.LengthDelimited))
                        {
                            var contact = detail.ReadBytes().CreateCodedInput();
                            for (uint c; (c = contact.ReadTag()) != 0;)
                                if (c == Tag(2, WireFormat.WireType.LengthDelimited)) callsign = contact.ReadString();
                                else contact.SkipLastField();
                        }
                        else detail.SkipLastField();
                    }

                    break;
                default: input.SkipLastField(); break;
            }
        }

        if (Time(time) is not { } t || Time(start) is not { } s || Time(stale) is not { } st)
        {
            error = "time, start or stale out of range";
            return null;
        }

        // Written as the event it is; the device's xmlDetail goes in as it came, and the reader that follows refuses
        // it if it is not a well-formed fragment (a DOCTYPE, an end tag that would close the event, another root).
        var text = new StringBuilder(256 + xmlDetail.Length);
        using (var x = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, CheckCharacters = false }))
        {
            x.WriteStartElement("event");
            x.WriteAttributeString("version", "2.0");
            x.WriteAttributeString("uid", uid);
            x.WriteAttributeString("type", type);
            x.WriteAttributeString("time", Iso(t));
            x.WriteAttributeString("start", Iso(s));
            x.WriteAttributeString("stale", Iso(st));
            x.WriteAttributeString("how", how);
            x.WriteStartElement("point");
            foreach (var (name, value) in new[] { ("lat", lat), ("lon", lon), ("hae", hae), ("ce", ce), ("le", le) })
                x.WriteAttributeString(name, value.ToString("R", CultureInfo.InvariantCulture));
            x.WriteEndElement();
            x.WriteStartElement("detail");
            if (callsign is not null)
            {
                x.WriteStartElement("contact");
                x.WriteAttributeString("callsign", callsign);
                x.WriteEndElement();
            }

            x.WriteRaw(xmlDetail);
            x.WriteFullEndElement();
            x.WriteEndElement();
        }

        return text.ToString();
    }

    private static uint Tag(int field, WireFormat.WireType type) => WireFormat.MakeTag(field, type);

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }

    private static ulong Milliseconds(DateTimeOffset t) => (ulong)Math.Max(0, t.ToUnixTimeMilliseconds());

    private static DateTimeOffset? Time(ulong ms) => ms <= 253_402_300_799_999UL ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

/// <summary>
/// Splits a TAK protocol stream into messages: 0xbf, a varint length, that many bytes. Anything else where a message
/// should start, or a length over <see cref="CotXml.MaxEventBytes"/>, is refused (the connection is closed).
/// </summary>
public sealed class TakProtocolFramer
{
    private readonly List<byte> _buffer = [];

    /// <summary>Whether part of a message has arrived.</summary>
    public bool HasPartialEvent => _buffer.Count > 0;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) _buffer.Add(b);
    }

    /// <summary>The next whole message's payload; false when none has arrived whole, or (with an error) when the stream is not TAK protocol.</summary>
    public bool TryTake(out byte[] payload, out string? error)
    {
        payload = [];
        error = null;
        if (_buffer.Count == 0) return false;
        if (_buffer[0] != TakProtocol.Magic)
        {
            error = "not a TAK protocol message (no 0xbf)";
            return false;
        }

        ulong length = 0;
        var at = 1;
        for (var shift = 0; ; shift += 7, at++)
        {
            if (at >= _buffer.Count) return false;                      // the length has not all arrived
            if (shift > 28)
            {
                error = "a TAK protocol message length that is not a varint";
                return false;
            }

            length |= (ulong)(_buffer[at] & 0x7f) << shift;
            if ((_buffer[at] & 0x80) == 0) break;
        }

        if (length > CotXml.MaxEventBytes)
        {
            error = $"a TAK protocol message over {CotXml.MaxEventBytes} bytes";
            return false;
        }

        var end = at + 1 + (int)length;
        if (_buffer.Count < end) return false;
        payload = _buffer.GetRange(at + 1, (int)length).ToArray();
        _buffer.RemoveRange(0, end);
        return true;
    }
}

/// <summary>Protobuf fields by number, as TAK's messages define them (Google.Protobuf's stream writes tag and value apart).</summary>
internal static class ProtobufFields
{
    public static void String(this CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    public static void Bytes(this CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    }

    public static void UInt64(this CodedOutputStream o, int field, ulong value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteUInt64(value);
    }

    public static void Double(this CodedOutputStream o, int field, double value)
    {
        o.WriteTag(field, WireFormat.WireType.Fixed64);
        o.WriteDouble(value);
    }
}
