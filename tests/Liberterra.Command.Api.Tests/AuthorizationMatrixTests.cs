using System.Net;
using System.Text;
using Liberterra.Command.Access;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// Every route the app maps, against every role, allowed or refused as docs/security.md documents. The list of routes comes
/// from the app itself, so a new route without a documented policy fails here.
/// </summary>
[Collection(ServerCollection.Name)]
public class AuthorizationMatrixTests(ServerFixture server)
{
    private const string Anonymous = "(anonymous)";
    private const string OtherLead = "team-lead of another team";

    /// <summary>The documented access table (docs/security.md, "Who may do what"): route → roles allowed.</summary>
    internal static readonly Dictionary<string, string[]> Documented = new()
    {
        ["GET /openapi/{documentName}.json"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /health/live"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /health/ready"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /api/operations/"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["GET /api/operations/{operationId}"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["PUT /api/operations/{operationId}"] = [Roles.Admin, Roles.Commander],
        ["GET /api/operations/{operationId}/teams/{teamId}"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead],
        ["GET /api/operations/{operationId}/teams/{teamId}/operation"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead],
        ["GET /api/operations/{operationId}/teams/{teamId}/reports"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead],
        ["GET /api/operations/{operationId}/regions/{regionId}"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["GET /api/operations/{operationId}/ticker"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["GET /api/operations/{operationId}/activity"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["POST /api/operations/{operationId}/teams/{teamId}/reports"] = [Roles.Admin, Roles.TeamLead],
        ["POST /api/operations/{operationId}/teams/{teamId}/corrections"] = [Roles.Admin, Roles.TeamLead],
        // Command reaches the field: orders and distress calls (docs/security.md).
        ["POST /api/operations/{operationId}/orders"] = [Roles.Admin, Roles.Commander],
        ["GET /api/operations/{operationId}/orders"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["POST /api/operations/{operationId}/orders/{orderSeq:long}/cancel"] = [Roles.Admin, Roles.Commander],
        ["GET /api/operations/{operationId}/distress"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["POST /api/operations/{operationId}/distress/{distressSeq:long}/take"] = [Roles.Admin, Roles.Commander],
        ["GET /api/operations/{operationId}/teams/{teamId}/orders"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead],
        ["POST /api/operations/{operationId}/teams/{teamId}/orders/{orderSeq:long}/answer"] = [Roles.Admin, Roles.TeamLead],
        ["POST /api/operations/{operationId}/teams/{teamId}/distress"] = [Roles.Admin, Roles.TeamLead],
        ["POST /api/operations/{operationId}/teams/{teamId}/distress/{distressSeq:long}/cancel"] = [Roles.Admin, Roles.TeamLead],
        ["POST /api/tokens"] = [Roles.Admin],
        // TAK devices: enrol (a data package), list, revoke; command staff (manage-operations).
        ["POST /api/operations/{operationId}/tak/devices/"] = [Roles.Admin, Roles.Commander],
        ["GET /api/operations/{operationId}/tak/devices/"] = [Roles.Admin, Roles.Commander],
        ["POST /api/operations/{operationId}/tak/devices/{serial}/revoke"] = [Roles.Admin, Roles.Commander],
        // The Orleans dashboard and the exchange of an admin credential for its cookie: admins only.
        ["POST /api/dashboard/session"] = [Roles.Admin],
        ["GET /dashboard/"] = [Roles.Admin],
        ["GET /dashboard/index.html"] = [Roles.Admin],
        ["GET /dashboard/favicon.ico"] = [Roles.Admin],
        ["GET /dashboard/index.min.js"] = [Roles.Admin],
        ["GET /dashboard/index.css"] = [Roles.Admin],
        ["GET /dashboard/fonts/{**path}"] = [Roles.Admin],
        ["GET /dashboard/img/{**path}"] = [Roles.Admin],
        ["GET /dashboard/version"] = [Roles.Admin],
        ["GET /dashboard/DashboardCounters"] = [Roles.Admin],
        ["GET /dashboard/ClusterStats"] = [Roles.Admin],
        ["GET /dashboard/Reminders"] = [Roles.Admin],
        ["GET /dashboard/Reminders/{page:int}"] = [Roles.Admin],
        ["GET /dashboard/HistoricalStats/{*path}"] = [Roles.Admin],
        ["GET /dashboard/SiloProperties/{*address}"] = [Roles.Admin],
        ["GET /dashboard/SiloMetadata/{*address}"] = [Roles.Admin],
        ["GET /dashboard/SiloStats/{*address}"] = [Roles.Admin],
        ["GET /dashboard/SiloCounters/{*address}"] = [Roles.Admin],
        ["GET /dashboard/GrainStats/{*grainName}"] = [Roles.Admin],
        ["GET /dashboard/TopGrainMethods"] = [Roles.Admin],
        ["GET /dashboard/GrainState"] = [Roles.Admin],
        ["GET /dashboard/LifecycleStages"] = [Roles.Admin],
        ["GET /dashboard/GrainTypes"] = [Roles.Admin],
        ["GET /dashboard/Trace"] = [Roles.Admin],
        // Signing out of the dashboard only clears its cookie.
        ["DELETE /api/dashboard/session"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /api/cluster"] = [Roles.Admin],
        ["GET /api/cluster/feed-registry"] = [Roles.Admin],
        ["GET /api/cluster/operations/{operationId}"] = [Roles.Admin],
        ["GET /api/operations/{operationId}/timeline"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/state"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/timeline.csv"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/timeline.json"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/hotspots.geojson"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/positions.geojson"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/operation.kml"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/export/operation.kmz"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/significant"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/report"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /api/operations/{operationId}/timeline/histogram"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["GET /report/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["HEAD /report/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["POST /api/operations/{operationId}/significant/"] = [Roles.Admin, Roles.Commander],
        ["DELETE /api/operations/{operationId}/significant/{seq:long}"] = [Roles.Admin, Roles.Commander],
        // The pages carry no data (they fetch it with the user's credential), so anyone may load them.
        ["GET /"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /wall/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["HEAD /wall/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /debrief/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["HEAD /debrief/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /command/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["HEAD /command/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /field/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["HEAD /field/{operationId?}"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /lifecycle.json"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["GET /i18n/index.json"] = [Anonymous, Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        // The hub's connection endpoints need a signed-in caller of any role; each hub method has its own policy.
        ["* /hubs/operations/negotiate"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /hubs/operations"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /hubs/replay/negotiate"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /hubs/replay"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /hubs/field/negotiate"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
        ["* /hubs/field"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer, Roles.TeamLead, OtherLead],
    };

    /// <summary>The documented access table for hub methods.</summary>
    internal static readonly Dictionary<string, string[]> DocumentedHubMethods = new()
    {
        ["JoinOperation"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["LeaveOperation"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
        ["Head"] = [Roles.Admin, Roles.Commander, Roles.Wall, Roles.Debriefer],
    };

    private List<(string Method, string Pattern, Endpoint Endpoint)> Routes() =>
        server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (m, e.RoutePattern.RawText!, (Endpoint)e)))
            .ToList();

    [Fact]
    public void every_route_declares_its_access_and_is_documented()
    {
        var undocumented = Routes().Select(r => $"{r.Method} {r.Pattern}").Where(k => !Documented.ContainsKey(k)).Distinct().ToList();
        Assert.True(undocumented.Count == 0, $"not in the documented access table: {string.Join(" | ", undocumented)}");
        foreach (var (method, pattern, endpoint) in Routes())
        {
            var key = $"{method} {pattern}";
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            var hub = pattern.StartsWith("/hubs/", StringComparison.Ordinal);
            Assert.True(anonymous || policies.Any(p => p is not null && Policies.RolesOf.ContainsKey(p)) || (hub && policies.Count > 0),
                $"{key} has no explicit policy");
        }

        Assert.Equal(Documented.Keys.Order(), Routes().Select(r => $"{r.Method} {r.Pattern}").Distinct().Order());
    }

    [Fact]
    public void every_hub_method_declares_a_documented_policy()
    {
        // Hub methods are the hub's own public methods; overrides of Hub's lifecycle methods are not invocable.
        var methods = typeof(Liberterra.Command.Server.Live.OperationsHub)
            .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m.GetBaseDefinition().DeclaringType == m.DeclaringType).ToList();
        Assert.Equal(DocumentedHubMethods.Keys.Order(), methods.Select(m => m.Name).Order());
        Assert.All(methods, m => Assert.NotNull(Liberterra.Command.Server.Live.HubAccessFilter.PolicyOf(m)));
    }

    /// <summary>The documented access table for the replay hub's methods.</summary>
    private static readonly Dictionary<string, string[]> DocumentedReplayMethods = new()
    {
        ["StartReplay"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
        ["ControlReplay"] = [Roles.Admin, Roles.Commander, Roles.Debriefer],
    };

    [Fact]
    public async Task every_replay_hub_method_against_every_role_is_allowed_or_refused_as_documented()
    {
        var methods = typeof(Liberterra.Command.Server.Live.ReplayHub)
            .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m.GetBaseDefinition().DeclaringType == m.DeclaringType).ToList();
        Assert.Equal(DocumentedReplayMethods.Keys.Order(), methods.Select(m => m.Name).Order());
        Assert.All(methods, m => Assert.NotNull(Liberterra.Command.Server.Live.HubAccessFilter.PolicyOf(m)));

        var op = await Api.DefineOperation(server.Http);
        await Api.PostReport(server.Http, op, "AR-RAID-01", new { children = 1 }, Api.NewKey());
        var failures = new List<string>();
        foreach (var (who, token) in new Dictionary<string, string>
                 {
                     [Roles.Admin] = TestAuth.Token(Roles.Admin), [Roles.Commander] = TestAuth.Token(Roles.Commander),
                     [Roles.Wall] = TestAuth.Token(Roles.Wall), [Roles.Debriefer] = TestAuth.Token(Roles.Debriefer),
                     [Roles.TeamLead] = TestAuth.Token(Roles.TeamLead, "AR-RAID-01"),
                 })
        {
            await using var hub = await Hubs.Connect(server.Server.Address, token, Liberterra.Command.Contracts.ReplayMessages.Path);
            var start = await Record.ExceptionAsync(() => hub.InvokeAsync<Liberterra.Command.Contracts.ReplayStarted>(
                "StartReplay", new Liberterra.Command.Contracts.ReplayRequest(op, Speed: 3600)));
            var control = await Record.ExceptionAsync(() => hub.InvokeAsync<Liberterra.Command.Contracts.ReplayStatus>(
                "ControlReplay", new Liberterra.Command.Contracts.ReplayControl("no-such-replay", "pause")));
            var allowed = DocumentedReplayMethods["StartReplay"].Contains(who);
            if (allowed && start is not null) failures.Add($"{who} was refused StartReplay: {start.Message}");
            if (!allowed && start?.Message.Contains("may not do this", StringComparison.Ordinal) != true) failures.Add($"{who} was allowed StartReplay");
            // Allowed callers get past the policy to the method's own answer about the unknown replay.
            if (allowed && control?.Message.Contains("No such replay", StringComparison.Ordinal) != true) failures.Add($"{who}: ControlReplay said {control?.Message}");
            if (!allowed && control?.Message.Contains("may not do this", StringComparison.Ordinal) != true) failures.Add($"{who} was allowed ControlReplay");
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task every_hub_method_against_every_role_is_allowed_or_refused_as_documented()
    {
        var op = await Api.DefineOperation(server.Http);
        var failures = new List<string>();
        foreach (var (who, token) in new Dictionary<string, string>
                 {
                     [Roles.Admin] = TestAuth.Token(Roles.Admin), [Roles.Commander] = TestAuth.Token(Roles.Commander),
                     [Roles.Wall] = TestAuth.Token(Roles.Wall), [Roles.Debriefer] = TestAuth.Token(Roles.Debriefer),
                     [Roles.TeamLead] = TestAuth.Token(Roles.TeamLead, "AR-RAID-01"),
                 })
        {
            await using var hub = await Hubs.Connect(server.Server.Address, token);
            foreach (var (method, roles) in DocumentedHubMethods)
            {
                var refused = await Record.ExceptionAsync(() => hub.InvokeAsync(method, op));
                if (roles.Contains(who) && refused is not null) failures.Add($"{who} was refused {method}: {refused.Message}");
                if (!roles.Contains(who) && refused is not Microsoft.AspNetCore.SignalR.HubException) failures.Add($"{who} was allowed {method}");
            }
        }

        Assert.Empty(failures);
        var anonymous = await Record.ExceptionAsync(() => Hubs.Connect(server.Server.Address, null));
        Assert.Contains("401", anonymous?.Message);
    }

    [Fact]
    public async Task the_field_hub_lets_a_lead_follow_its_own_team_and_no_other()
    {
        var methods = typeof(Liberterra.Command.Server.Live.FieldHub)
            .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m.GetBaseDefinition().DeclaringType == m.DeclaringType).ToList();
        Assert.Equal(["JoinTeam"], methods.Select(m => m.Name));
        Assert.All(methods, m => Assert.NotNull(Liberterra.Command.Server.Live.HubAccessFilter.PolicyOf(m)));

        var op = await Api.DefineOperation(server.Http);
        var failures = new List<string>();
        foreach (var (who, token, allowed) in new[]
                 {
                     (Roles.Admin, TestAuth.Token(Roles.Admin), true), (Roles.Commander, TestAuth.Token(Roles.Commander), true),
                     (Roles.Wall, TestAuth.Token(Roles.Wall), true), (Roles.Debriefer, TestAuth.Token(Roles.Debriefer), true),
                     (Roles.TeamLead, TestAuth.Token(Roles.TeamLead, "AR-RAID-01"), true), (OtherLead, TestAuth.Token(Roles.TeamLead, "MK-RAID-01"), false),
                 })
        {
            await using var hub = await Hubs.Connect(server.Server.Address, token, Liberterra.Command.Contracts.FieldMessages.Path);
            var refused = await Record.ExceptionAsync(() => hub.InvokeAsync<Liberterra.Command.Contracts.TeamOrdersView>("JoinTeam", op, "AR-RAID-01"));
            if (allowed && refused is not null) failures.Add($"{who} was refused JoinTeam: {refused.Message}");
            if (!allowed && refused?.Message.Contains("may not do this", StringComparison.Ordinal) != true) failures.Add($"{who} was allowed JoinTeam of another team");
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task every_route_against_every_role_is_allowed_or_refused_as_documented()
    {
        var op = await Api.DefineOperation(server.Http);
        var callers = new Dictionary<string, string?>
        {
            [Anonymous] = null,
            [Roles.Admin] = TestAuth.Token(Roles.Admin),
            [Roles.Commander] = TestAuth.Token(Roles.Commander),
            [Roles.Wall] = TestAuth.Token(Roles.Wall),
            [Roles.Debriefer] = TestAuth.Token(Roles.Debriefer),
            [Roles.TeamLead] = TestAuth.Token(Roles.TeamLead, "AR-RAID-01"),
            [OtherLead] = TestAuth.Token(Roles.TeamLead, "MK-RAID-01"),
        };

        var failures = new List<string>();
        foreach (var (method, pattern, _) in Routes())
        {
            foreach (var (who, token) in callers)
            {
                using var http = server.Server.Client(token);
                using var response = await http.SendAsync(Request(method, pattern, op), HttpCompletionOption.ResponseHeadersRead);  // streams (the dashboard's trace) never end
                var allowed = Documented[$"{method} {pattern}"].Contains(who);
                var status = response.StatusCode;
                var refusedAs = token is null ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if (allowed && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    failures.Add($"{who} was refused {method} {pattern} ({(int)status})");
                if (!allowed && status != refusedAs)
                    failures.Add($"{who} got {(int)status} for {method} {pattern}, expected {(int)refusedAs}");
                if (!allowed) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Empty(failures);
    }

    private static HttpRequestMessage Request(string method, string pattern, string op)
    {
        if (method == "*") method = "GET";
        var path = pattern.Replace("{operationId}", op).Replace("{operationId?}", op).Replace("{teamId}", "AR-RAID-01").Replace("{regionId}", "AR").Replace("{seq:long}", "1").Replace("{orderSeq:long}", "1").Replace("{distressSeq:long}", "1")
            .Replace("{documentName}", "v1") + (pattern.EndsWith("/state", StringComparison.Ordinal) ? "?seq=1" : "");
        // Whatever other parameters a route has (the dashboard's): a number where it wants one, a word elsewhere.
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}:]+:int\}", "1");
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\*{1,2}[^}]+\}", "x");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var body = (method, pattern) switch
        {
            ("PUT", _) => DefinitionOf(op),
            ("POST", var p) when p.EndsWith("/reports", StringComparison.Ordinal) => """{"children":1}""",
            ("POST", var p) when p.EndsWith("/corrections", StringComparison.Ordinal) => """{"corrects":1,"children":1,"reason":"matrix"}""",
            ("POST", var p) when p.EndsWith("/orders", StringComparison.Ordinal) => """{"kind":"Hold","text":"matrix","all":true}""",
            ("POST", var p) when p.EndsWith("/answer", StringComparison.Ordinal) => """{"answer":"Acknowledged"}""",
            ("POST", "/api/tokens") => """{"subject":"someone","role":"wall","ttl":"1h"}""",
            ("POST", var p) when p.EndsWith("/significant/", StringComparison.Ordinal) => """{"seq":1,"title":"matrix"}""",
            _ => null,
        };
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    private static string DefinitionOf(string op) => $$"""
        {"name":"API test operation","windowStart":"{{DateTimeOffset.UtcNow.Date.AddDays(-1):O}}","windowEnd":"{{DateTimeOffset.UtcNow.Date.AddDays(5):O}}","exercise":true,
         "regions":[{"id":"AR","name":"Argentina","countryCode":"AR","centroid":{"latitude":-34.6,"longitude":-64.2},"exploitationTypes":["forced-labour"]},
                    {"id":"MK","name":"North Macedonia","countryCode":"MK","centroid":{"latitude":41.6,"longitude":21.7},"exploitationTypes":["SexualExploitation"]}],
         "teams":[{"id":"AR-RAID-01","kind":"RaidTeam","regionId":"AR","callSign":"Condor 1","agency":"Police"},
                  {"id":"AR-BCP-01","kind":"border-checkpoint","regionId":"AR","callSign":"Gate 1","agency":"Border police"},
                  {"id":"MK-RAID-01","kind":"RaidTeam","regionId":"MK","callSign":"Vardar 1","agency":"Police"},
                  {"id":"MK-RAID-02","kind":"RaidTeam","regionId":"MK","callSign":"Vardar 2","agency":"Police"}]}
        """;
}
