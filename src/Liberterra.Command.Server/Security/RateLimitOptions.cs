namespace Liberterra.Command.Server.Security;

/// <summary>The <c>RateLimits</c> configuration section: a token bucket per principal (per address when anonymous).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public int PermitsPerSecond { get; set; } = 20;
    public int Burst { get; set; } = 60;

    /// <summary>
    /// Distress calls have a bucket of their own, far above a person's: a press is never refused because the same
    /// credential was busy sending reports, and a panicked lead pressing again and again is still heard.
    /// </summary>
    public int DistressPermitsPerSecond { get; set; } = 200;

    public int DistressBurst { get; set; } = 1000;
}

/// <summary>The endpoint metadata that gives distress calls their own rate limit (<see cref="RateLimitOptions.DistressBurst"/>).</summary>
public sealed class DistressLimit;
