using System.Text;
using Liberterra.Command.Server.Tak;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Cursor-on-Target as TAK devices send it, and as an attacker would: ATAK's position report, 911 alert, its cancel and a
/// GeoChat are read; a DOCTYPE (entity expansion, external entities), a second root, a point off the globe, markup in
/// the remarks and an event that never ends are refused in one line; a stream is split into events however it arrives.
/// </summary>
public class CotXmlTests
{
    private const string Pli = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="ANDROID-3f2a9c1d" type="a-f-G-U-C" time="2026-12-07T01:12:03.441Z" start="2026-12-07T01:12:03.441Z" stale="2026-12-07T01:18:18.441Z" how="m-g"><point lat="-34.6037" lon="-58.3816" hae="25.1" ce="4.9" le="9999999.0"/><detail><takv os="34" version="5.2.0.4 (c8d3) [playstore].1728319742-CIV" device="SAMSUNG SM-G991B" platform="ATAK-CIV"/><contact endpoint="*:-1:stcp" callsign="Raid Argentina 1"/><uid Droid="Raid Argentina 1"/><precisionlocation altsrc="GPS" geopointsrc="GPS"/><__group role="Team Lead" name="Cyan"/><status battery="87"/><track course="123.4" speed="1.2"/></detail></event>
        """;

    private const string Alert = """<event version="2.0" uid="ANDROID-3f2a9c1d-9-1-1" type="b-a-o-tbl" time="2026-12-07T01:13:00Z" start="2026-12-07T01:13:00Z" stale="2026-12-07T01:23:00Z" how="h-e"><point lat="-34.6" lon="-58.38" hae="0" ce="10" le="10"/><detail><link uid="ANDROID-3f2a9c1d" type="a-f-G-U-C" relation="p-p"/><contact callsign="Raid Argentina 1-Alert"/><emergency type="911 Alert">Raid Argentina 1</emergency></detail></event>""";

    private const string Chat = """<event version="2.0" uid="GeoChat.ANDROID-3f2a9c1d.All Chat Rooms.7c1" type="b-t-f" time="2026-12-07T01:14:00Z" start="2026-12-07T01:14:00Z" stale="2026-12-08T01:14:00Z" how="h-g-i-g-o"><point lat="0" lon="0" hae="9999999.0" ce="9999999.0" le="9999999.0"/><detail><__chat parent="RootContactGroup" groupOwner="false" chatroom="Command" id="liberterra-command" senderCallsign="Raid Argentina 1"><chatgrp uid0="ANDROID-3f2a9c1d" uid1="liberterra-command" id="liberterra-command"/></__chat><link uid="ANDROID-3f2a9c1d" type="a-f-G-U-C" relation="p-p"/><remarks source="BAO.F.ATAK.ANDROID-3f2a9c1d" to="liberterra-command" time="2026-12-07T01:14:00Z">Twelve found, need two vans</remarks></detail></event>""";

    [Fact]
    public void an_atak_position_report_a_911_alert_and_a_geochat_are_read()
    {
        var pli = CotXml.Parse(Pli, out var error);
        Assert.Null(error);
        Assert.True(pli!.IsPosition);
        Assert.Equal(("ANDROID-3f2a9c1d", "Raid Argentina 1", -34.6037, -58.3816, 4.9), (pli.Uid, pli.Callsign, pli.Point.Lat, pli.Point.Lon, pli.Point.Ce));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 1, 18, 18, 441, TimeSpan.Zero), pli.Stale);

        Assert.True(CotXml.Parse(Alert, out _)!.IsEmergency);
        Assert.True(CotXml.Parse(Alert.Replace("b-a-o-tbl", "b-a-o-can"), out _)!.IsEmergencyCancel);

        var chat = CotXml.Parse(Chat, out _)!;
        Assert.True(chat.IsChat);
        Assert.Equal(("Command", "Raid Argentina 1", "Twelve found, need two vans"), (chat.Chat!.Chatroom, chat.Chat.SenderCallsign, chat.Remarks));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "entity expansion", """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><event version="2.0" uid="x" type="a-f-G" time="2026-12-07T01:00:00Z" start="2026-12-07T01:00:00Z" stale="2026-12-07T01:10:00Z" how="m-g"><point lat="1" lon="1"/><detail><remarks>&lol2;</remarks></detail></event>""" },
        { "external entity", """<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><event version="2.0" uid="x" type="a-f-G" time="2026-12-07T01:00:00Z" start="2026-12-07T01:00:00Z" stale="2026-12-07T01:10:00Z" how="m-g"><point lat="1" lon="1"/><detail><remarks>&x;</remarks></detail></event>""" },
        { "not an event", """<message uid="x"/>""" },
        { "no point", """<event version="2.0" uid="x" type="a-f-G" time="2026-12-07T01:00:00Z" start="2026-12-07T01:00:00Z" stale="2026-12-07T01:10:00Z" how="m-g"><detail/></event>""" },
        { "latitude off the globe", Pli.Replace("lat=\"-34.6037\"", "lat=\"-134.6\"") },
        { "longitude not a number", Pli.Replace("lon=\"-58.3816\"", "lon=\"NaN\"") },
        { "time not a time", Pli.Replace("time=\"2026-12-07T01:12:03.441Z\"", "time=\"yesterday\"") },
        { "type malformed", Pli.Replace("type=\"a-f-G-U-C\"", "type=\"a f G; drop table\"") },
        { "uid with control characters", Pli.Replace("uid=\"ANDROID-3f2a9c1d\"", "uid=\"ANDROID&#x1b;[2J\"") },
        { "version 1", Pli.Replace("version=\"2.0\"", "version=\"1.0\"") },
        { "a second root", Alert + Alert },
        { "broken markup", Alert[..^10] },
        { "nested too deep", Alert.Replace("<detail>", "<detail>" + string.Concat(Enumerable.Repeat("<x>", 40)) + string.Concat(Enumerable.Repeat("</x>", 40))) },
        { "over 64 KiB", Alert.Replace("<detail>", "<detail><remarks>" + new string('a', 70_000) + "</remarks>") },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void hostile_or_malformed_events_are_refused_in_one_line(string name, string xml)
    {
        var e = CotXml.Parse(xml, out var error);
        Assert.Null(e);
        Assert.False(string.IsNullOrWhiteSpace(error), name);
        Assert.DoesNotContain('\n', error!);
        Assert.DoesNotContain("root:", error);          // no file content ever comes back
    }

    [Fact]
    public void a_stream_is_split_into_events_however_it_arrives_and_one_that_never_ends_is_refused()
    {
        var stream = Encoding.UTF8.GetBytes(Pli + "\n" + Alert + Chat);
        foreach (var chunk in new[] { 1, 7, 64, stream.Length })
        {
            var framer = new CotFramer();
            var events = new List<string>();
            for (var i = 0; i < stream.Length; i += chunk)
            {
                Assert.True(framer.Append(stream.AsSpan(i, Math.Min(chunk, stream.Length - i))));
                while (framer.TryTake(out var xml)) events.Add(xml);
            }

            Assert.Equal(["a-f-G-U-C", "b-a-o-tbl", "b-t-f"], events.Select(x => CotXml.Parse(x, out _)!.Type));
        }

        var endless = new CotFramer();
        var garbage = new byte[8192];
        var refused = false;
        for (var i = 0; i < 20 && !refused; i++) refused = !endless.Append(garbage);
        Assert.True(refused, "a sender that never closes an event is refused after 64 KiB");
    }

    [Fact]
    public void what_the_server_writes_reads_back_the_same()
    {
        var now = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var written = new CotEvent("liberterra.op.AR-RAID-01", "a-f-G-U-C", "h-g-i-g-o", now, now, now.AddMinutes(30),
            new CotPoint(-34.6, -58.38, Ce: 50_000), "Raid <Argentina> & 1", "EnRoute · 3 rescued", new CotChat("Command", "Command", "ANDROID-1"));
        var read = CotXml.Parse(CotXml.Write(written), out var error);
        Assert.Null(error);
        Assert.Equal(written with { Point = written.Point with { Hae = CotXml.Unknown, Le = CotXml.Unknown } }, read);
    }
}
