namespace Liberterra.Command.Access;

/// <summary>The roles of the command center. A credential carries exactly one.</summary>
public static class Roles
{
    /// <summary>Sees the live operation in full and manages its regions and teams.</summary>
    public const string Commander = "commander";

    /// <summary>Bound to one or more teams: posts their reports and reads them.</summary>
    public const string TeamLead = "team-lead";

    /// <summary>A display screen: the live picture, nothing it can change.</summary>
    public const string Wall = "wall";

    /// <summary>The timeline, replays and exports.</summary>
    public const string Debriefer = "debriefer";

    /// <summary>Everything, including issuing credentials.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Commander, TeamLead, Wall, Debriefer, Admin];

    /// <summary>The roles whose credentials may act for one agency (need-to-know): command staff, walls and debriefers.</summary>
    public static readonly IReadOnlyList<string> AgencyRoles = [Commander, Wall, Debriefer];

    /// <summary>
    /// Who may read field notes (free text, sensitive): command staff, the wall in the operations room, debriefers
    /// and admins; a team lead only the notes of its own teams. Nobody else, and never the logs.
    /// </summary>
    public static readonly IReadOnlyList<string> NoteReaders = [Commander, Wall, Debriefer, Admin];
}
