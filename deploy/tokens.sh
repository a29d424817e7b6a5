# Demo credentials for this machine (sourced by run.sh and cluster.sh): writes .data/tokens.env, valid 12 hours,
# signed with the key in $2 (created on first use; .data is git-ignored).
#   demo_tokens <liberterra.dll> <signing key file> <tokens file>
demo_tokens() {
  local cli="$1" key_file="$2" tokens="$3"
  issue() { dotnet "$cli" token issue --key-file "$key_file" --ttl 12h "$@"; }
  local old_umask; old_umask="$(umask)"
  umask 077
  {
    echo "# Demo credentials for this machine, valid 12 hours. Use: source .data/tokens.env; curl -H \"Authorization: Bearer \$ADMIN_TOKEN\" ..."
    echo "ADMIN_TOKEN=$(issue --role admin --subject demo-admin)"
    echo "COMMANDER_TOKEN=$(issue --role commander --subject demo-commander)"
    echo "WALL_TOKEN=$(issue --role wall --subject demo-wall)"
    # Need-to-know: the walls of the INTERPOL coordination centre (every team) and of Argentina's police (its own
    # teams in full, the others as they share them).
    echo "WALL_CCC_TOKEN=$(issue --role wall --agency INTERPOL-CCC --subject demo-wall-interpol)"
    echo "WALL_NP_AR_TOKEN=$(issue --role wall --agency NP-AR --subject demo-wall-argentina)"
    echo "DEBRIEFER_TOKEN=$(issue --role debriefer --subject demo-debriefer)"
    echo "LEAD_AR_RAID_01_TOKEN=$(issue --role team-lead --team AR-RAID-01 --subject demo-lead-ar-raid-01)"
  } > "$tokens"
  umask "$old_umask"
}
