using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>
/// An operation's state as of <see cref="OperationState.LastSeq"/>, kept in Orleans grain storage so that an
/// activation folds only the events after it. A cache of the timeline, never the truth: if it is missing or old,
/// more events are folded, with the same result.
/// </summary>
[GenerateSerializer]
public sealed class OperationSnapshot
{
    [Id(0)]
    public OperationState? State { get; set; }
}
