namespace Liberterra.Command.Storage;

/// <summary>The append lost a race with another writer; the caller's view of the timeline is stale.</summary>
public sealed class TimelineConflictException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The conflict is an idempotency key the timeline holds already (not a sequence number): a retry of a request
    /// older than what the writer keeps in memory. Nothing of the batch was stored.
    /// </summary>
    public bool KeyTaken { get; init; }
}
