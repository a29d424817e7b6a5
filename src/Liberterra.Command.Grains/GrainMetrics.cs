using System.Diagnostics.Metrics;

namespace Liberterra.Command.Grains;

/// <summary>
/// What the operation grains count themselves, once per event on the silo that commits it (meter
/// <c>Liberterra.Command</c>, beside the server's own instruments): distress calls and their escalations, orders
/// overdue. An alerting rule watches <c>liberterra_distress_escalated_total</c> (deploy/alerts).
/// </summary>
public static class GrainMetrics
{
    private static readonly Meter Meter = new("Liberterra.Command");

    public static readonly Counter<long> DistressRaised = Meter.CreateCounter<long>(
        "liberterra.distress.raised", "{press}", "Distress presses committed (a press while the team's call is open counts too).");

    public static readonly Counter<long> DistressEscalated = Meter.CreateCounter<long>(
        "liberterra.distress.escalated", "{call}", "Distress calls not taken by command within the escalation time (default 60 s).");

    public static readonly Counter<long> OrdersOverdue = Meter.CreateCounter<long>(
        "liberterra.orders.overdue", "{order}", "Orders whose time passed with teams that had not answered.");
}
