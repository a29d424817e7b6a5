using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// Command's side of a team lead's page: the page joins its team and gets the team's orders and distress call, then
/// <see cref="FieldMessages.Changed"/> whenever one of them changes (from <see cref="FieldDisplays"/>, fed by this silo's
/// <see cref="WallRelay"/> like the walls). A team lead may join only its own teams; staff may join any (the policy's
/// object-level check reads the <c>teamId</c> argument as it reads a route's).
/// </summary>
[Authorize]
public sealed class FieldHub(IGrainFactory grains, WallRelay relay, Watchers watchers) : Hub
{
    /// <summary>The SignalR group of a team's field pages.</summary>
    public static string Group(string operationId, string teamId) => $"{operationId}/{teamId}";

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        watchers.LeaveAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Starts receiving the team's order and distress changes; returns what it has now.</summary>
    [HubPolicy(Policies.ReadTeam)]
    public async Task<TeamOrdersView> JoinTeam(string operationId, string teamId)
    {
        if (!OperationRules.IsValidId(operationId) || !OperationRules.IsValidId(teamId) || !Scope.AllowsOperation(Context.User!, operationId))
            throw new HubException("This credential may not follow that team.");
        if (await Task.WhenAny(relay.Ready, Task.Delay(TimeSpan.FromSeconds(10))) != relay.Ready)
            throw new HubException("This server is still joining the cluster: try again in a moment.");
        // Join first, read second (as a wall does): a change committed in between arrives after the answer and is newer.
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(operationId, teamId));
        watchers.Join(Context.ConnectionId, operationId);
        TeamOrders? orders;
        try
        {
            orders = await grains.GetGrain<IOperationGrain>(operationId).GetTeamOrders(teamId);
        }
        catch
        {
            await Leave(operationId, teamId);
            throw;
        }

        // Another agency's staff follow only teams shared with them in full; one not shared at all is not there for them.
        var level = Scope.AgencyOf(Context.User!) is { } agency && orders is not null
            ? Viewpoint.Of((await grains.GetGrain<IOperationGrain>(operationId).GetState())!, agency).Level(teamId)
            : Sharing.Full;
        if (orders is null || level == Sharing.CountsOnly)
        {
            await Leave(operationId, teamId);
            throw new HubException($"No team '{teamId}' in operation '{operationId}'.");
        }

        if (level != Sharing.Full)
        {
            await Leave(operationId, teamId);
            throw new HubException("This credential may not follow that team: it is another agency's, shared in summary.");
        }

        relay.Joined(operationId, orders.LastSeq);
        return orders.ToView(operationId);
    }

    private async Task Leave(string operationId, string teamId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(operationId, teamId));
        watchers.Leave(Context.ConnectionId, operationId);
    }
}

/// <summary>
/// Writes order and distress changes to the field pages of the teams they concern, on this silo: an order to every team
/// it reached (each sees only its own answer), a distress call to its team. Never awaited by the relay.
/// </summary>
public sealed partial class FieldDisplays(IHubContext<FieldHub> hub, ILogger<FieldDisplays> logger)
{
    public void Send(string operationId, OperationDelta[] batch)
    {
        foreach (var d in batch)
        {
            if (d.Order is { } order)
                foreach (var team in order.Recipients)
                    Write(operationId, team, new FieldChange(operationId, team, d.Seq, order.ForTeam(team), null));
            if (d.Distress is { } call)
                Write(operationId, call.TeamId, new FieldChange(operationId, call.TeamId, d.Seq, null, call));
        }
    }

    private void Write(string operationId, string teamId, FieldChange change)
    {
        var send = hub.Clients.Group(FieldHub.Group(operationId, teamId)).SendAsync(FieldMessages.Changed, change);
        if (!send.IsCompletedSuccessfully) _ = Finish(send, teamId);
    }

    private async Task Finish(Task send, string teamId)
    {
        try
        {
            await send;
        }
        catch (Exception ex)
        {
            LogWriteFailed(ex, teamId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Writing to the field pages of team {TeamId} failed")]
    private partial void LogWriteFailed(Exception ex, string teamId);
}
