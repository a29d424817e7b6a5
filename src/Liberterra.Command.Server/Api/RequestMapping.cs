using System.Collections.Immutable;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Server.Api;

/// <summary>Turns API requests into domain values; anything that does not parse is a 422 naming the field.</summary>
public static class RequestMapping
{
    public static (FieldReport? Report, DomainError? Error) ToDomain(FieldReportRequest r)
    {
        var errors = new FieldErrors();
        TeamStatus? status = r.Status is null ? null : ParseEnum<TeamStatus>(r.Status, "status", errors);
        var types = ParseTypes(r.ExploitationTypes, "exploitationTypes", errors);
        var position = r.Position is null ? null : ParsePosition(r.Position, "position", errors);
        if (errors.Count > 0) return (null, DomainError.Invalid(errors));

        var counts = new Tally(r.Children ?? 0, r.Women ?? 0, r.Men ?? 0, r.Arrested ?? 0);
        return (new FieldReport(status, counts, types, position, r.Note), null);
    }

    public static (Correction? Correction, DomainError? Error) ToDomain(CorrectionRequest r)
    {
        if (r.Corrects is not { } corrects)
            return (null, DomainError.Invalid("corrects", RuleCodes.Required, "is required: the sequence number of the report being corrected"));
        var delta = new Tally(r.Children ?? 0, r.Women ?? 0, r.Men ?? 0, r.Arrested ?? 0);
        return (new Correction(corrects, delta, r.Reason ?? ""), null);
    }

    /// <summary>An order: a known kind, exactly one target, a place that parses; the rest is the domain's rule.</summary>
    public static (Order? Order, DomainError? Error) ToDomain(OrderRequest r)
    {
        var errors = new FieldErrors();
        OrderKind? kind = r.Kind is null ? null : ParseEnum<OrderKind>(r.Kind, "kind", errors);
        if (r.Kind is null) Add(errors, "kind", RuleCodes.Required, $"is required: one of {string.Join(", ", Enum.GetNames<OrderKind>())}");
        var targets = (r.TeamId is null ? 0 : 1) + (r.RegionId is null ? 0 : 1) + (r.All == true ? 1 : 0);
        if (targets != 1) Add(errors, "target", RuleCodes.TargetMissing, "give exactly one of teamId, regionId or all: true");
        var place = r.Place is null ? null : ParsePosition(r.Place, "place", errors);
        if (errors.Count > 0) return (null, DomainError.Invalid(errors));
        var target = r.TeamId is { } team ? OrderTarget.Team(team) : r.RegionId is { } region ? OrderTarget.Region(region) : OrderTarget.Everyone;
        return (new Order(kind!.Value, r.Text?.Trim() ?? "", target, place, r.DueBy?.ToUniversalTime(), r.DueInMinutes), null);
    }

    /// <summary>A position named <paramref name="field"/>; finite numbers (the range is the domain's rule).</summary>
    public static (GeoPoint? Position, DomainError? Error) ToDomain(PositionRequest p, string field)
    {
        var errors = new FieldErrors();
        var position = ParsePosition(p, field, errors);
        return errors.Count > 0 ? (null, DomainError.Invalid(errors)) : (position, null);
    }

    public static (OperationDefinition? Definition, DomainError? Error) ToDomain(string operationId, OperationDefinitionRequest r)
    {
        // Counted before anything is read: a definition of a million regions is refused at once, in a few hundred bytes.
        if (r.Regions?.Count > OperationRules.MaxRegions || r.Teams?.Count > OperationRules.MaxTeams || r.Agencies?.Count > OperationRules.MaxAgencies)
        {
            var tooMany = new FieldErrors();
            if (r.Regions?.Count > OperationRules.MaxRegions) tooMany.Add("regions", RuleCodes.TooMany, $"must list 0 to {OperationRules.MaxRegions} regions (got {r.Regions.Count})", ("max", OperationRules.MaxRegions), ("count", r.Regions.Count));
            if (r.Teams?.Count > OperationRules.MaxTeams) tooMany.Add("teams", RuleCodes.TooMany, $"must list 0 to {OperationRules.MaxTeams} teams (got {r.Teams.Count})", ("max", OperationRules.MaxTeams), ("count", r.Teams.Count));
            if (r.Agencies?.Count > OperationRules.MaxAgencies) tooMany.Add("agencies", RuleCodes.TooMany, $"must list 0 to {OperationRules.MaxAgencies} agencies (got {r.Agencies.Count})", ("max", OperationRules.MaxAgencies), ("count", r.Agencies.Count));
            return (null, DomainError.Invalid(tooMany));
        }

        var errors = new FieldErrors();
        if (r.WindowStart is null) Add(errors, "windowStart", RuleCodes.Required, "is required");
        if (r.WindowEnd is null) Add(errors, "windowEnd", RuleCodes.Required, "is required");

        var regions = ImmutableArray.CreateBuilder<RegionDefinition>();
        for (var i = 0; i < (r.Regions?.Count ?? 0); i++)
        {
            var region = r.Regions![i];
            var at = $"regions[{i}]";
            if (region is null) { Add(errors, at, RuleCodes.UnknownValue, "must be an object"); continue; }
            var centroid = region.Centroid is null ? null : ParsePosition(region.Centroid, $"{at}.centroid", errors);
            if (region.Centroid is null) Add(errors, $"{at}.centroid", RuleCodes.Required, "is required");
            var types = ParseTypes(region.ExploitationTypes, $"{at}.exploitationTypes", errors);
            regions.Add(new RegionDefinition(region.Id ?? "", region.Name ?? "", region.CountryCode, centroid ?? new GeoPoint(0, 0), types));
        }

        var teams = ImmutableArray.CreateBuilder<TeamDefinition>();
        for (var i = 0; i < (r.Teams?.Count ?? 0); i++)
        {
            var team = r.Teams![i];
            var at = $"teams[{i}]";
            if (team is null) { Add(errors, at, RuleCodes.UnknownValue, "must be an object"); continue; }
            var kind = team.Kind is null ? (TeamKind?)null : ParseEnum<TeamKind>(team.Kind, $"{at}.kind", errors);
            if (team.Kind is null) Add(errors, $"{at}.kind", RuleCodes.Required, "is required");
            teams.Add(new TeamDefinition(team.Id ?? "", kind ?? TeamKind.RaidTeam, team.RegionId ?? "", team.CallSign ?? "", team.Agency ?? ""));
        }

        var agencies = ImmutableArray.CreateBuilder<AgencyDefinition>();
        for (var i = 0; i < (r.Agencies?.Count ?? 0); i++)
        {
            var agency = r.Agencies![i];
            var at = $"agencies[{i}]";
            if (agency is null) { Add(errors, at, RuleCodes.UnknownValue, "must be an object"); continue; }
            var kind = agency.Kind is null ? AgencyKind.Other : ParseEnum<AgencyKind>(agency.Kind, $"{at}.kind", errors) ?? AgencyKind.Other;
            var shares = agency.Shares is null ? Sharing.Summary : ParseEnum<Sharing>(agency.Shares, $"{at}.shares", errors) ?? Sharing.Summary;
            if (agency.FullWith?.Any(x => x is null) == true) Add(errors, $"{at}.fullWith", RuleCodes.UnknownValue, "must list agency ids");
            agencies.Add(new AgencyDefinition(agency.Id ?? "", agency.Name ?? "", agency.CountryCode, kind, agency.Coordinator ?? false, shares,
                [.. (agency.FullWith ?? []).Take(OperationRules.MaxAgencies + 1).OfType<string>()]));
        }

        if (errors.Count > 0) return (null, DomainError.Invalid(errors));
        return (new OperationDefinition(
            r.Id ?? operationId, r.Name ?? "", r.WindowStart!.Value.ToUniversalTime(), r.WindowEnd!.Value.ToUniversalTime(),
            r.Exercise ?? false, regions.ToImmutable(), teams.ToImmutable(), r.ClockSpeed, agencies.ToImmutable()), null);
    }

    /// <summary>Accepts <c>OnSite</c>, <c>onsite</c>, <c>on-site</c> and <c>on_site</c> alike.</summary>
    public static bool TryParseEnum<T>(string text, out T value) where T : struct, Enum
    {
        var squashed = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.ToString(), squashed, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static T? ParseEnum<T>(string text, string field, FieldErrors errors) where T : struct, Enum
    {
        if (TryParseEnum<T>(text, out var value)) return value;
        Add(errors, field, RuleCodes.UnknownValue, $"is not one of {string.Join(", ", Enum.GetNames<T>())}");
        return null;
    }

    // Sorted and without repeats, so that the stored body (and its idempotency fingerprint) is canonical.
    private static ImmutableArray<ExploitationType> ParseTypes(
        IReadOnlyList<string>? texts, string field, FieldErrors errors)
    {
        if (texts is null) return [];
        var result = new SortedSet<ExploitationType>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) Add(errors, $"{field}[{i}]", RuleCodes.UnknownValue, "must be a string");
            else if (ParseEnum<ExploitationType>(texts[i], $"{field}[{i}]", errors) is { } t) result.Add(t);
        }

        return [.. result];
    }

    // JSON reads 1e309 as infinity: refused here, so that no number that is not finite goes further than the boundary
    // (the range itself is the domain's rule, checked with the other fields).
    private static GeoPoint? ParsePosition(PositionRequest p, string field, FieldErrors errors)
    {
        if (p.Latitude is null) Add(errors, $"{field}.latitude", RuleCodes.Required, "is required");
        else if (!double.IsFinite(p.Latitude.Value)) Add(errors, $"{field}.latitude", RuleCodes.LatitudeRange, "must be a number between -90 and 90", ("min", -90), ("max", 90));
        if (p.Longitude is null) Add(errors, $"{field}.longitude", RuleCodes.Required, "is required");
        else if (!double.IsFinite(p.Longitude.Value)) Add(errors, $"{field}.longitude", RuleCodes.LongitudeRange, "must be a number between -180 and 180", ("min", -180), ("max", 180));
        return p.Latitude is { } lat && p.Longitude is { } lon && double.IsFinite(lat) && double.IsFinite(lon) ? new GeoPoint(lat, lon) : null;
    }

    private static void Add(FieldErrors errors, string field, string code, string message, params (string Name, object? Value)[] args) =>
        errors.Add(field, code, message, args);
}
