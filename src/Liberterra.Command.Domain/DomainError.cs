using System.Collections.Immutable;

namespace Liberterra.Command.Domain;

/// <summary>Why a command was refused. Maps one-to-one onto an HTTP status and a ProblemDetails.</summary>
public enum DomainErrorKind
{
    /// <summary>A value is out of range or malformed (422); <see cref="DomainError.Fields"/> names them.</summary>
    Validation,
    /// <summary>The status change is not allowed from the current status (409); the allowed ones are listed.</summary>
    IllegalTransition,
    /// <summary>The operation, team or region does not exist (404).</summary>
    NotFound,
    /// <summary>The command conflicts with the current state (409).</summary>
    Conflict,
    /// <summary>The idempotency key was already used for a different request (409).</summary>
    IdempotencyKeyReused,
    /// <summary>The credential may not do this to this target: another agency's team (403).</summary>
    Forbidden,
}

/// <summary>
/// A refusal: what kind, a short title, a plain-words detail, and the fields concerned (at most
/// <see cref="MaxFields"/> of them; <see cref="MoreFields"/> counts the rest, so that a refusal stays small).
/// </summary>
public sealed record DomainError(
    DomainErrorKind Kind,
    string Title,
    string Detail,
    ImmutableSortedDictionary<string, string[]> Fields,
    ImmutableArray<TeamStatus> AllowedNext)
{
    /// <summary>The most fields a refusal names; a definition of a million bad regions is refused in a few hundred bytes.</summary>
    public const int MaxFields = 20;

    /// <summary>How many more fields were wrong than <see cref="Fields"/> names.</summary>
    public int MoreFields { get; init; }

    /// <summary>
    /// The rules broken, each with its field, stable code and values (<see cref="RuleCodes"/>): what a page words in its
    /// user's language. One per message in <see cref="Fields"/> for a validation; one for any other refusal.
    /// </summary>
    public ImmutableArray<BrokenRule> Rules { get; init; } = [];

    /// <summary>A validation refusal from collected field errors (see <see cref="FieldErrors"/>).</summary>
    public static DomainError Invalid(FieldErrors errors)
    {
        var fields = errors.Messages;
        var shown = fields.OrderBy(f => f.Key, StringComparer.Ordinal).Take(MaxFields).ToList();
        var more = fields.Count - shown.Count;
        var detail = string.Join(" ", shown.Select(f => $"{f.Key}: {string.Join("; ", f.Value.Take(5))}."));
        var named = shown.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        return new DomainError(
            DomainErrorKind.Validation,
            "One or more fields are invalid.",
            more > 0 ? $"{detail} And {more} more fields." : detail,
            shown.ToImmutableSortedDictionary(f => f.Key, f => f.Value.Take(5).ToArray(), StringComparer.Ordinal),
            [])
        {
            MoreFields = more,
            Rules = [.. errors.Rules.Where(r => named.Contains(r.Field)).GroupBy(r => r.Field).SelectMany(g => g.Take(5))],
        };
    }

    /// <summary>One field, one rule broken (422).</summary>
    public static DomainError Invalid(string field, string code, string message, params (string Name, object? Value)[] args)
    {
        var errors = new FieldErrors();
        errors.Add(field, code, message, args);
        return Invalid(errors);
    }

    public static DomainError NotFound(string code, string what, params (string Name, object? Value)[] args) =>
        new(DomainErrorKind.NotFound, "Not found.", what, ImmutableSortedDictionary<string, string[]>.Empty, [])
        {
            Rules = [BrokenRule.Of("", code, args)],
        };

    public static DomainError Conflict(string code, string detail, string? field = null, params (string Name, object? Value)[] args) =>
        OneRule(DomainErrorKind.Conflict, "The request conflicts with the operation's current state.", code, detail, field, args);

    /// <summary>A refusal of the caller's reach, not of the request (403): an agency acting on another's teams.</summary>
    public static DomainError Forbidden(string code, string detail, string? field = null, params (string Name, object? Value)[] args) =>
        OneRule(DomainErrorKind.Forbidden, "Forbidden.", code, detail, field, args);

    // A refusal of one rule, naming its field (if any) with the detail.
    private static DomainError OneRule(DomainErrorKind kind, string title, string code, string detail, string? field, (string Name, object? Value)[] args) => new(
        kind,
        title,
        detail,
        field is null
            ? ImmutableSortedDictionary<string, string[]>.Empty
            : ImmutableSortedDictionary<string, string[]>.Empty.Add(field, [detail]),
        [])
    {
        Rules = [BrokenRule.Of(field ?? "", code, args)],
    };

    public static DomainError IllegalTransition(TeamStatus from, TeamStatus to) => new(
        DomainErrorKind.IllegalTransition,
        "Illegal status transition.",
        $"A team in status {from} cannot move to {to}. Allowed next: {string.Join(", ", TeamLifecycle.AllowedNext(from))}.",
        ImmutableSortedDictionary<string, string[]>.Empty.Add("status", [$"{from} cannot move to {to}."]),
        TeamLifecycle.AllowedNext(from))
    {
        Rules = [BrokenRule.Of("status", RuleCodes.IllegalTransition, ("from", from), ("to", to),
            ("allowed", string.Join(",", TeamLifecycle.AllowedNext(from))))],
    };

    public static DomainError KeyReused(string key) => new(
        DomainErrorKind.IdempotencyKeyReused,
        "Idempotency key already used for a different request.",
        $"The key '{key}' was already used in this operation with a different body. Use a new key for a new report.",
        ImmutableSortedDictionary<string, string[]>.Empty.Add("Idempotency-Key", ["already used with a different body"]),
        [])
    {
        Rules = [BrokenRule.Of("Idempotency-Key", RuleCodes.IdempotencyKeyReused)],
    };
}

/// <summary>
/// Collects field errors in order, keyed by the request's JSON field path: each an English message and the rule it
/// states (its stable code and the values the message names).
/// </summary>
public sealed class FieldErrors
{
    private readonly SortedDictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private readonly List<BrokenRule> _rules = [];

    public void Add(string field, string code, string message, params (string Name, object? Value)[] args)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        _rules.Add(BrokenRule.Of(field, code, args));
    }

    public int Count => _errors.Count;

    internal IReadOnlyDictionary<string, List<string>> Messages => _errors;

    internal IReadOnlyList<BrokenRule> Rules => _rules;

    public DomainError? ToError() => _errors.Count == 0 ? null : DomainError.Invalid(this);
}
