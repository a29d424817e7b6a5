using Liberterra.Command.Domain;

namespace Liberterra.Command.Server.Tak;

/// <summary>
/// The operation as TAK devices show it: each team a friendly ground unit (<c>a-f-G-U-C</c>) with its status and
/// counts in its remarks, stale when it would be overdue so that a silent team fades on a TAK map as on the wall; each
/// hotspot a marker with its totals; an order a GeoChat message to the team. Built from what the device's viewer may
/// see (<see cref="Viewpoint.State"/>): a team shown in summary sits at its region's centre, with a wide error.
/// </summary>
public static class CotOfOperation
{
    /// <summary>How long a team's marker stays fresh after its last check-in (the wall's overdue interval).</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(30);

    /// <summary>The circular error given to a team placed at its region's centre (no position, or withheld).</summary>
    public const double RegionError = 50_000;

    public static string TeamUid(string operationId, string teamId) => $"liberterra.{operationId}.{teamId}";

    public static string RegionUid(string operationId, string regionId) => $"liberterra.{operationId}.region.{regionId}";

    public static CotEvent Team(OperationState shown, TeamState team, DateTimeOffset now) =>
        Team(shown.Id, shown.Regions.GetValueOrDefault(team.Definition.RegionId)?.Definition, team, now);

    /// <summary>A team as TAK devices show it; <paramref name="region"/> places it when it has no position.</summary>
    public static CotEvent Team(string operationId, RegionDefinition? region, TeamState team, DateTimeOffset now)
    {
        var point = team.Position is { } p
            ? new CotPoint(p.Latitude, p.Longitude)
            : new CotPoint(region?.Centroid.Latitude ?? 0, region?.Centroid.Longitude ?? 0, Ce: RegionError);
        var seen = team.LastReportAt ?? now;
        var t = team.Totals;
        var remarks = $"{team.Status} · {t.Rescued} rescued ({t.Children} children, {t.Women} women, {t.Men} men) · {t.Arrested} arrested"
                      + (team.LastReportAt is { } last ? $" · last check-in {last:yyyy-MM-dd HH:mm} UTC" : " · no report yet")
                      + (team.OverdueSince is not null ? " · OVERDUE" : "");
        return new CotEvent(TeamUid(operationId, team.Id), "a-f-G-U-C", "h-g-i-g-o", now, now, seen + FreshFor, point, team.Definition.CallSign, remarks);
    }

    public static CotEvent Region(OperationState shown, RegionState region, DateTimeOffset now)
    {
        var t = region.Totals;
        return new CotEvent(RegionUid(shown.Id, region.Id), "b-m-p-s-m", "h-g-i-g-o", now, now, now.AddHours(1),
            new CotPoint(region.Definition.Centroid.Latitude, region.Definition.Centroid.Longitude),
            region.Definition.Name, $"Hotspot {region.Definition.Name}: {t.Rescued} rescued, {t.Arrested} arrested");
    }

    /// <summary>An order to a team's device, as a GeoChat message from command.</summary>
    public static CotEvent Order(string operationId, OrderState order, string deviceUid, DateTimeOffset now) =>
        Chat($"GeoChat.{CotXml.Sender}.{deviceUid}.{operationId}.{order.Seq}", $"Order #{order.Seq} ({order.Order.Kind}): {order.Order.Text}", deviceUid, now);

    /// <summary>The server's own word to one device, in its chat with command (e.g. that its message was refused).</summary>
    public static CotEvent Reply(string operationId, string text, string deviceUid, DateTimeOffset now) =>
        Chat($"GeoChat.{CotXml.Sender}.{deviceUid}.{operationId}.reply.{now.UtcTicks}", text, deviceUid, now);

    private static CotEvent Chat(string uid, string text, string deviceUid, DateTimeOffset now) =>
        new(uid, "b-t-f", "h-g-i-g-o", now, now, now.AddDays(1), new CotPoint(0, 0), null, text, new CotChat(deviceUid, "Command", deviceUid));

    /// <summary>The answer to a device's ping, as TAK Server gives it.</summary>
    public static CotEvent Pong(DateTimeOffset now) =>
        new("takPong", "t-x-c-t-r", "h-g-i-g-o", now, now, now.AddSeconds(20), new CotPoint(0, 0));
}
