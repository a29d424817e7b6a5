
namespace Liberterra.Command.Access;

/// <summary>
/// What a credential may carry, for the built-in issuer and for any other: a subject of one line of plain text (it
/// becomes the timeline's actor), team and operation claims that are valid ids. Checked when a credential is issued
/// and again whenever one is presented.
/// </summary>
public static class CredentialClaims
{
    public const int MaxSubjectLength = 200;

    /// <summary>What is wrong with these claims (the field and why), or null.</summary>
    public static (string Field, string Message)? Problem(string subject, IEnumerable<string> teams, string? operation)
    {
        if (subject.Length > MaxSubjectLength) return ("subject", $"The subject must be at most {MaxSubjectLength} characters.");
        if (Domain.PlainText.Problem(subject, multiline: false) is { } text) return ("subject", $"The subject {text}.");
        foreach (var team in teams)
            if (!Domain.OperationRules.IsValidId(team)) return ("teams", "Every team must be a team id: 1-64 letters, digits, '_', '.' or '-'.");
        if (operation is not null && !Domain.OperationRules.IsValidId(operation))
            return ("operation", "The operation must be an operation id: 1-64 letters, digits, '_', '.' or '-'.");
        return null;
    }
}
