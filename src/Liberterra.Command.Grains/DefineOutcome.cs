using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>The answer to a definition: the resulting state and whether it was new, changed or unchanged.</summary>
[GenerateSerializer, Immutable]
public sealed record DefineOutcome(
    [property: Id(0)] OperationState? State,
    [property: Id(1)] DefineResult Result,
    [property: Id(2)] DomainError? Error);

[GenerateSerializer]
public enum DefineResult
{
    Created,
    Updated,
    Unchanged,
    Refused,
}
