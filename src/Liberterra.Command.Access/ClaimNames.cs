namespace Liberterra.Command.Access;

/// <summary>The claims a Liberterra credential carries.</summary>
public static class ClaimNames
{
    public const string Subject = "sub";
    public const string Role = "role";
    /// <summary>A team the credential is bound to (team leads); repeated for several teams.</summary>
    public const string Team = "team";
    /// <summary>An operation the credential is limited to; absent means every operation.</summary>
    public const string Operation = "op";
    /// <summary>
    /// The agency the credential acts for (need-to-know); absent means the whole operation. From an agency's own
    /// identity provider it is set by configuration, never taken from the token.
    /// </summary>
    public const string Agency = "agency";
}
