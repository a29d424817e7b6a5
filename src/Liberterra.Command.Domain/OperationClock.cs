namespace Liberterra.Command.Domain;

/// <summary>
/// An operation's clock. A real operation runs on real time. An exercise may run on a compressed clock
/// (<see cref="OperationDefinition.ClockSpeed"/>): its time is <c>windowStart + (real - windowStart) × speed</c>, so a
/// six-day window starting now plays in 14 minutes at 600×. Every time the server gives an event of the operation
/// (server time, device time, overdue checks, the last 24 hours of activity) is on this clock, on every silo alike, and
/// the pages advance it the same way (<c>clockSpeed</c> in the snapshot).
/// </summary>
public static class OperationClock
{
    /// <summary>The fastest an exercise's clock may run: an hour a second.</summary>
    public const double MaxSpeed = 3600;

    /// <summary>The operation's time at the real instant <paramref name="real"/>.</summary>
    public static DateTimeOffset At(DateTimeOffset windowStart, double? speed, DateTimeOffset real) =>
        speed is { } s && s != 1 ? windowStart + (real - windowStart) * s : real;

    /// <summary>The operation's time at <paramref name="real"/>, for the operation <paramref name="state"/> defines.</summary>
    public static DateTimeOffset At(OperationState? state, DateTimeOffset real) =>
        state is null ? real : At(state.WindowStart, state.ClockSpeed, real);

    /// <summary>How long a span of the operation's time lasts in real time.</summary>
    public static TimeSpan RealSpan(double? speed, TimeSpan operationSpan) =>
        speed is { } s && s > 0 ? operationSpan / s : operationSpan;
}
