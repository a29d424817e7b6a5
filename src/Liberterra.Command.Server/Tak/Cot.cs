using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Liberterra.Command.Server.Tak;

/// <summary>A CoT event's point: WGS84 latitude and longitude, height above the ellipsoid, circular and linear error (m).</summary>
public sealed record CotPoint(double Lat, double Lon, double Hae = CotXml.Unknown, double Ce = CotXml.Unknown, double Le = CotXml.Unknown);

/// <summary>A GeoChat message's part of a CoT event (<c>b-t-f</c>): its room, sender and the text (the event's remarks).</summary>
public sealed record CotChat(string? Chatroom, string? SenderCallsign, string? Id);

/// <summary>
/// A TAK protocol negotiation's part of an event (<c>&lt;TakControl&gt;</c>): the version a server supports
/// (<c>t-x-takp-v</c>), the one a client asks for (<c>t-x-takp-q</c>) and the server's answer (<c>t-x-takp-r</c>).
/// </summary>
public sealed record CotControl(int? Supports = null, int? Request = null, bool? Response = null);

/// <summary>
/// One Cursor-on-Target event as TAK devices send and receive it (CoT 2.0: <c>&lt;event version uid type time start
/// stale how&gt;&lt;point .../&gt;&lt;detail&gt;...&lt;/detail&gt;&lt;/event&gt;</c>), with the parts of its detail this
/// product reads: the contact's call sign, the remarks and a GeoChat's room and sender.
/// </summary>
public sealed record CotEvent(
    string Uid,
    string Type,
    string How,
    DateTimeOffset Time,
    DateTimeOffset Start,
    DateTimeOffset Stale,
    CotPoint Point,
    string? Callsign = null,
    string? Remarks = null,
    CotChat? Chat = null,
    CotControl? Control = null)
{
    /// <summary>A device's position report (ATAK's PLI: friendly, ground, unit, combat).</summary>
    public bool IsPosition => Type.StartsWith("a-f-G", StringComparison.Ordinal);

    /// <summary>A device's 911 alert (ATAK's emergency button) and its cancellation.</summary>
    public bool IsEmergency => Type is "b-a-o-tbl" or "b-a-o-pan" or "b-a-o-opn";

    public bool IsEmergencyCancel => Type == "b-a-o-can";

    /// <summary>A GeoChat message.</summary>
    public bool IsChat => Type == "b-t-f";

    /// <summary>A client's keep-alive (TAK clients send one every few seconds; the server answers <c>t-x-c-t-r</c>).</summary>
    public bool IsPing => Type == "t-x-c-t";
}

/// <summary>
/// Reading and writing CoT XML without trusting the sender: no DTD, no entity, no external resource, a size and depth
/// limit, every attribute checked. A refusal says why in one line (it goes to the audit trail, never the content).
/// </summary>
public static partial class CotXml
{
    /// <summary>CoT's "unknown" for height and errors.</summary>
    public const double Unknown = 9999999.0;

    /// <summary>The largest event read (a device's events are a few hundred bytes; a detail with shapes a few KiB).</summary>
    public const int MaxEventBytes = 64 * 1024;

    private const int MaxDepth = 16;
    private const int MaxText = 2000;

    [GeneratedRegex("^[a-z](-[A-Za-z0-9.]{1,16}){0,15}$")]
    private static partial Regex TypePattern();

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = MaxEventBytes,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    /// <summary>Parses one event; <paramref name="error"/> says why not (and the event is null).</summary>
    public static CotEvent? Parse(string xml, out string? error)
    {
        error = null;
        if (Encoding.UTF8.GetByteCount(xml) > MaxEventBytes)
        {
            error = $"event over {MaxEventBytes} bytes";
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), Settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "event")
                return Fail("the root is not <event>", out error);
            if (reader.GetAttribute("version") is { } version && !version.StartsWith("2.", StringComparison.Ordinal))
                return Fail("only CoT version 2.x is spoken", out error);
            var uid = Text(reader.GetAttribute("uid"), 200);
            var type = reader.GetAttribute("type");
            var how = Text(reader.GetAttribute("how"), 50) ?? "";
            if (uid is null) return Fail("uid missing or not plain text", out error);
            if (type is null || !TypePattern().IsMatch(type)) return Fail("type missing or malformed", out error);
            if (Time(reader.GetAttribute("time")) is not { } time || Time(reader.GetAttribute("start")) is not { } start
                || Time(reader.GetAttribute("stale")) is not { } stale)
                return Fail("time, start or stale missing or not ISO 8601", out error);

            CotPoint? point = null;
            string? callsign = null, remarks = null;
            CotChat? chat = null;
            CotControl? control = null;
            if (!reader.IsEmptyElement)
            {
                var depth = reader.Depth;
                while (reader.Read() && reader.Depth > depth)
                {
                    if (reader.Depth > MaxDepth) return Fail($"nested deeper than {MaxDepth}", out error);
                    if (reader.NodeType != XmlNodeType.Element) continue;
                    switch (reader.LocalName)
                    {
                        case "point" when reader.Depth == depth + 1:
                            point = Point(reader);
                            if (point is null) return Fail("point missing lat/lon or out of range", out error);
                            break;
                        case "contact":
                            callsign ??= Text(reader.GetAttribute("callsign"), 100);
                            break;
                        case "__chat":
                            chat = new CotChat(Text(reader.GetAttribute("chatroom"), 100), Text(reader.GetAttribute("senderCallsign"), 100), Text(reader.GetAttribute("id"), 200));
                            break;
                        case "TakRequest":
                            control = new CotControl(Request: int.TryParse(reader.GetAttribute("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1);
                            break;
                        case "remarks" when !reader.IsEmptyElement:
                            var text = reader.ReadElementContentAsString();
                            if (text.Length > MaxText || Domain.PlainText.Problem(text, multiline: true) is not null)
                                return Fail("remarks too long or not plain text", out error);
                            remarks = text;
                            break;
                    }
                }
            }

            // Nothing may follow the event (a second root is refused here by the reader itself).
            while (reader.Read())
            {
            }

            return point is null ? Fail("point missing", out error) : new CotEvent(uid, type, how, time, start, stale, point, callsign, remarks, chat, control);
        }
        catch (XmlException e)
        {
            // A DOCTYPE (entity expansion), a second root, a broken tag: refused, in one line.
            return Fail($"not well-formed XML ({e.Message.Split('\n')[0]})", out error);
        }
    }

    private static CotEvent? Fail(string why, out string? error)
    {
        error = why;
        return null;
    }

    private static CotPoint? Point(XmlReader reader)
    {
        double? Number(string name) =>
            double.TryParse(reader.GetAttribute(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : null;
        if (Number("lat") is not { } lat || Number("lon") is not { } lon || lat is < -90 or > 90 || lon is < -180 or > 180) return null;
        return new CotPoint(lat, lon, Number("hae") ?? Unknown, Number("ce") ?? Unknown, Number("le") ?? Unknown);
    }

    private static string? Text(string? value, int max) =>
        value is { Length: > 0 } v && v.Length <= max && Domain.PlainText.Problem(v, multiline: false) is null ? v : null;

    private static DateTimeOffset? Time(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>An event as TAK devices read it (one line, no XML declaration, as TAK streams frame them).</summary>
    public static string Write(CotEvent e)
    {
        var text = new StringBuilder(512);
        using (var x = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false }))
        {
            x.WriteStartElement("event");
            x.WriteAttributeString("version", "2.0");
            x.WriteAttributeString("uid", e.Uid);
            x.WriteAttributeString("type", e.Type);
            x.WriteAttributeString("time", Iso(e.Time));
            x.WriteAttributeString("start", Iso(e.Start));
            x.WriteAttributeString("stale", Iso(e.Stale));
            x.WriteAttributeString("how", e.How);
            x.WriteStartElement("point");
            x.WriteAttributeString("lat", Num(e.Point.Lat));
            x.WriteAttributeString("lon", Num(e.Point.Lon));
            x.WriteAttributeString("hae", Num(e.Point.Hae));
            x.WriteAttributeString("ce", Num(e.Point.Ce));
            x.WriteAttributeString("le", Num(e.Point.Le));
            x.WriteEndElement();
            x.WriteStartElement("detail");
            WriteDetail(x, e, contact: true);
            x.WriteEndElement();
            x.WriteEndElement();
        }

        return text.ToString();
    }

    /// <summary>
    /// What goes inside an event's <c>&lt;detail&gt;</c> but its contact, as an XML fragment: the TAK protocol's
    /// <c>xmlDetail</c> (its protobuf carries the contact in a field of its own).
    /// </summary>
    public static string DetailXml(CotEvent e)
    {
        var text = new StringBuilder(256);
        using (var x = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment }))
            WriteDetail(x, e, contact: false);
        return text.ToString();
    }

    private static void WriteDetail(XmlWriter x, CotEvent e, bool contact)
    {
        if (contact && e.Callsign is { } callsign)
        {
            x.WriteStartElement("contact");
            x.WriteAttributeString("callsign", callsign);
            x.WriteEndElement();
        }

        if (e.Chat is { } chat)
        {
            x.WriteStartElement("__chat");
            if (chat.Chatroom is { } room) x.WriteAttributeString("chatroom", room);
            if (chat.Id is { } id) x.WriteAttributeString("id", id);
            if (chat.SenderCallsign is { } sender) x.WriteAttributeString("senderCallsign", sender);
            x.WriteStartElement("chatgrp");
            x.WriteAttributeString("uid0", Sender);
            x.WriteAttributeString("uid1", chat.Id ?? "");
            x.WriteAttributeString("id", chat.Id ?? "");
            x.WriteEndElement();
            x.WriteEndElement();
        }

        if (e.Control is { } control)
        {
            x.WriteStartElement("TakControl");
            if (control.Supports is { } supports)
            {
                x.WriteStartElement("TakProtocolSupport");
                x.WriteAttributeString("version", supports.ToString(CultureInfo.InvariantCulture));
                x.WriteEndElement();
            }

            if (control.Response is { } status)
            {
                x.WriteStartElement("TakResponse");
                x.WriteAttributeString("status", status ? "true" : "false");
                x.WriteEndElement();
            }

            x.WriteEndElement();
        }

        if (e.Remarks is { } remarks) x.WriteElementString("remarks", remarks);
    }

    /// <summary>The uid this server sends as (a chat's sender, the link of what it publishes).</summary>
    public const string Sender = "liberterra-command";

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string Num(double n) => n.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Splits a TAK stream into events as TAK servers do: an event ends with <c>&lt;/event&gt;</c>; what precedes the next
/// one (an XML declaration, whitespace) belongs to it. A sender that goes <see cref="CotXml.MaxEventBytes"/> without
/// closing an event is refused (the connection is closed), so one device cannot make the server hold its garbage.
/// </summary>
public sealed class CotFramer
{
    private static readonly byte[] End = "</event>"u8.ToArray();
    private readonly List<byte> _buffer = [];
    private int _scanned;

    /// <summary>Adds what arrived; false when the pending event is already larger than allowed (refuse the sender).</summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) _buffer.Add(b);
        return _buffer.Count - LastEnd() <= CotXml.MaxEventBytes;
    }

    /// <summary>The next complete event's text, if one has arrived whole.</summary>
    public bool TryTake(out string xml)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer);
        var from = Math.Max(0, _scanned - End.Length + 1);
        var at = span[from..].IndexOf(End);
        if (at < 0)
        {
            _scanned = _buffer.Count;
            xml = "";
            return false;
        }

        var length = from + at + End.Length;
        xml = Encoding.UTF8.GetString(span[..length]).Trim();
        _buffer.RemoveRange(0, length);
        _scanned = 0;
        return true;
    }

    /// <summary>What has arrived after the last whole event (handed over when the stream switches to the TAK protocol).</summary>
    public byte[] TakeRest()
    {
        var rest = _buffer.ToArray();
        _buffer.Clear();
        _scanned = 0;
        return rest;
    }

    /// <summary>Whether part of an event has arrived (more than the whitespace between events).</summary>
    public bool HasPartialEvent
    {
        get
        {
            foreach (var b in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer))
                if (b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')) return true;
            return false;
        }
    }

    // The bytes before the first unfinished event.
    private int LastEnd()
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer);
        var last = span.LastIndexOf(End);
        return last < 0 ? 0 : last + End.Length;
    }
}
