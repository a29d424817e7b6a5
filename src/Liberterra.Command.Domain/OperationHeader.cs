namespace Liberterra.Command.Domain;

/// <summary>
/// What a page needs to know of an operation besides its teams: its name, window, drill flag and clock (an exercise's
/// may be compressed, <see cref="OperationClock"/>). Small enough for a phone to read on every sign-in.
/// </summary>
public sealed record OperationHeader(string Id, string Name, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, bool Exercise, double? ClockSpeed)
{
    public static OperationHeader Of(OperationState s) => new(s.Id, s.Name, s.WindowStart, s.WindowEnd, s.Exercise, s.ClockSpeed);
}
