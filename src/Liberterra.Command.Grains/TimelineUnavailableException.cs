namespace Liberterra.Command.Grains;

/// <summary>
/// The timeline could not be written or read right now. Whether a write reached the disk is not known (a connection can
/// die during the commit): the caller retries with the same idempotency key, whose answer then says what was stored.
/// </summary>
[GenerateSerializer]
public sealed class TimelineUnavailableException : Exception
{
    public TimelineUnavailableException() { }

    public TimelineUnavailableException(string message, Exception? inner) : base(message, inner) { }
}
