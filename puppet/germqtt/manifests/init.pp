# @summary
#   germqtt, run by systemd: publishes a Gerrit server's stream-events on an MQTT broker.
#
# germqtt logs into Gerrit over SSH, runs `gerrit stream-events` and publishes every event on
# the broker as `<topic>/<project>/<type>`.
#
# Manages the germqtt binary (from a package or a file), the `germqtt` system user, the Gerrit
# login key, the Gerrit host key (a known_hosts file), `/etc/germqtt.ini`, the systemd unit and
# the service. The INI is checked with `germqtt --check-config` before it is installed, so a
# broken configuration never replaces a working one.
#
# INI options left undef are not written, so germqtt's own defaults apply.
#
# The Gerrit account should be a dedicated, non-administrator account that has only the global
# "Stream Events" capability and read access to public projects: every event it can see is
# published on a broker anyone may read.
#
# @example Beside a local broker
#   class { 'germqtt':
#     gerrit_username => 'germqtt',
#     gerrit_hostname => 'review.example.org',
#     gerrit_ssh_key  => Sensitive(file('/etc/puppet/secrets/germqtt_id_ed25519')),
#     gerrit_host_key => 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...',
#     mqtt_username   => 'germqtt',
#     mqtt_password   => Sensitive('change-me'),
#   }
#
# @param gerrit_username
#   `[gerrit] username`: the Gerrit account germqtt logs in as.
# @param gerrit_hostname
#   `[gerrit] hostname`: Gerrit's SSH host name; also the host the known_hosts entry is for.
# @param gerrit_ssh_key
#   The private key of the Gerrit account (OpenSSH or PEM text), Sensitive. Written to `key_file`,
#   mode 0600, owned by `user`.
# @param gerrit_host_key
#   Gerrit's SSH host key, `TYPE BASE64` as in `ssh-keyscan -p 29418 HOST` output without the host
#   (or a list of them, e.g. during a key rotation). Written to `known_hosts_file` as
#   `[HOST]:PORT TYPE BASE64`, or `HOST TYPE BASE64` for port 22. Check the key out of band.
# @param gerrit_port
#   `[gerrit] port`: Gerrit's SSH port.
# @param gerrit_host_key_fingerprint
#   `[gerrit] host_key_fingerprint`: a `SHA256:...` pin that replaces the known_hosts check.
# @param gerrit_key_passphrase
#   `[gerrit] key_passphrase`: the passphrase of an encrypted `gerrit_ssh_key`, Sensitive. Written
#   into the INI, which is then Sensitive content. Not together with `gerrit_key_passphrase_file`.
# @param gerrit_key_passphrase_file
#   `[gerrit] key_passphrase_file`: a file holding the passphrase (one line), as an absolute path
#   or `$CREDENTIALS_DIRECTORY/NAME` (see `validate_command`). The module does not write it. Not
#   together with `gerrit_key_passphrase`.
# @param gerrit_insecure_any_host_key
#   `[gerrit] insecure_any_host_key`: accept ANY Gerrit host key, unchecked (default: false).
#   Anyone on the network path could then feed forged events to the bus: tests and emergencies only.
# @param gerrit_event_types
#   `[gerrit] event_types`: the event types Gerrit is asked for, e.g.
#   `['patchset-created', 'change-merged']`; Gerrit filters the others (default: every type).
# @param gerrit_connect_timeout
#   `[gerrit] connect_timeout` in seconds (germqtt's default: 30).
# @param gerrit_keepalive
#   `[gerrit] keepalive` in seconds, 0 turns SSH keepalives off (default: 30).
# @param gerrit_liveness_interval
#   `[gerrit] liveness_interval` in seconds of silence before Gerrit is asked whether it still
#   answers, 0 turns it off (default: 60).
# @param gerrit_max_event_size
#   `[gerrit] max_event_size`: the longest event line in bytes; a longer one is skipped and
#   counted as malformed (default: 33554432).
# @param gerrit_retry_initial
#   `[gerrit] retry_initial`: cap of the first reconnect delay in seconds (default: 1).
# @param gerrit_retry_max
#   `[gerrit] retry_max`: cap of every reconnect delay in seconds (default: 60).
# @param gerrit_http_url
#   `[gerrit] http_url`: Gerrit's web URL (`http://` or `https://`, without user, query or
#   fragment). Turns on catch-up: after a gap in the event stream germqtt fetches the missed
#   events from Gerrit's events-log plugin and publishes them. Needs `gerrit_http_password` or
#   `gerrit_http_password_file` (default: none, no catch-up).
# @param gerrit_http_username
#   `[gerrit] http_username`: the account's HTTP user name (default: `gerrit_username`). Needs
#   `gerrit_http_url`.
# @param gerrit_http_password
#   `[gerrit] http_password`: the account's HTTP password (Gerrit: Settings, HTTP Credentials),
#   Sensitive. Written into the INI, which is then Sensitive content. Not together with
#   `gerrit_http_password_file`.
# @param gerrit_http_password_file
#   `[gerrit] http_password_file`: a file holding the HTTP password (one line), as an absolute path
#   or `$CREDENTIALS_DIRECTORY/NAME` (see `validate_command`). The module does not write it. Not
#   together with `gerrit_http_password`.
# @param gerrit_events_log_timezone
#   `[gerrit] events_log_timezone`: the Gerrit server's time zone as an IANA name, e.g.
#   `Europe/Berlin`; the events-log plugin reads times as the server's local time (default: `UTC`).
#   Needs `gerrit_http_url`.
# @param gerrit_catch_up_max
#   `[gerrit] catch_up_max`: the longest stretch caught up, in seconds; anything older is reported
#   as not recovered (default: 86400). Needs `gerrit_http_url`.
# @param mqtt_hostname
#   `[mqtt] hostname`: the broker.
# @param mqtt_port
#   `[mqtt] port` (default: 1883; 8883 with `mqtt_tls`, 80 with websockets, 443 with both).
# @param mqtt_transport
#   `[mqtt] transport`: `tcp` (MQTT's own protocol) or `websockets` (default: `tcp`).
# @param mqtt_websocket_path
#   `[mqtt] websocket_path`: path of the broker's websocket endpoint, starting with `/`; used with
#   `mqtt_transport => 'websockets'` only (default: `/mqtt`).
# @param mqtt_protocol
#   `[mqtt] protocol`: MQTT version `3.1.1` or `5`; with 5 the broker can say why it refused a
#   publish (default: `3.1.1`).
# @param mqtt_tls
#   `[mqtt] tls`: TLS to the broker (mqtts:// or wss://); the broker's certificate must chain to a
#   trusted CA and name `mqtt_hostname` (default: false).
# @param mqtt_ca_certs
#   `[mqtt] ca_certs`: PEM file of the CAs to trust instead of the system's. Needs `mqtt_tls`.
#   The module does not manage it; it must exist (readable by `user`) before the INI is checked.
# @param mqtt_certfile
#   `[mqtt] certfile`: PEM client certificate for brokers that require one. Needs `mqtt_tls` and
#   `mqtt_keyfile`. Not managed by the module, like `mqtt_ca_certs`.
# @param mqtt_keyfile
#   `[mqtt] keyfile`: the private key of `mqtt_certfile` (PEM). Needs `mqtt_tls` and
#   `mqtt_certfile`. Not managed by the module; readable by `user`.
# @param mqtt_tls_insecure
#   `[mqtt] tls_insecure`: skip checking the broker's certificate and host name (default: false).
#   Anyone on the network path could read the password and the events: tests only. Needs `mqtt_tls`.
# @param mqtt_topic
#   `[mqtt] topic`: the base topic, without wildcards or a trailing `/` (default: `gerrit`).
# @param mqtt_keepalive
#   `[mqtt] keepalive` in seconds (default: 60).
# @param mqtt_username
#   `[mqtt] username`: the broker user germqtt publishes as; needed when `mqtt_password` or
#   `mqtt_password_file` is set.
# @param mqtt_password
#   `[mqtt] password`, Sensitive. The INI is then written as Sensitive content. Not together with
#   `mqtt_password_file`.
# @param mqtt_password_file
#   `[mqtt] password_file`: a file holding the broker password (one line), as an absolute path or
#   `$CREDENTIALS_DIRECTORY/NAME` (see `validate_command`). The module does not write it. Not
#   together with `mqtt_password`.
# @param mqtt_status_topic
#   `[mqtt] status_topic`: where germqtt keeps its retained online/offline status and publishes
#   its counters (`<status_topic>/stats`); no wildcards or trailing `/` (default:
#   `germqtt/<client_id>/status`). The broker's ACL must let `mqtt_username` write it.
# @param mqtt_qos
#   `[mqtt] qos`: 0, 1 or 2 (default: 0).
# @param mqtt_client_id
#   `[mqtt] client_id` (default: `germqtt-<hostname>`).
# @param mqtt_max_inflight
#   `[mqtt] max_inflight`: QoS 1/2 publishes awaiting acknowledgement at once (default: 20).
# @param mqtt_connect_timeout
#   `[mqtt] connect_timeout` in seconds (default: 30).
# @param mqtt_publish_timeout
#   `[mqtt] publish_timeout` in seconds (default: 30).
# @param mqtt_max_packet_size
#   `[mqtt] max_packet_size`: the largest PUBLISH packet in bytes the broker takes; a larger event
#   is set aside and counted as rejected (default: no limit of germqtt's own; set it to the
#   broker's `max_packet_size` when germqtt speaks MQTT 3.1.1).
# @param mqtt_retry_initial
#   `[mqtt] retry_initial`: cap of the first reconnect delay in seconds (default: 1).
# @param mqtt_retry_max
#   `[mqtt] retry_max`: cap of every reconnect delay in seconds (default: 60).
# @param filter_include_projects
#   `[filter] include_projects`: only events of projects matching one of these globs are
#   published (`*` matches any run of characters, `/` included; `?` one character). Events
#   without a project are not affected (default: every project).
# @param filter_exclude_projects
#   `[filter] exclude_projects`: events of projects matching one of these globs are dropped.
# @param filter_exclude_refs
#   `[filter] exclude_refs`: ref-updated events of refs matching one of these globs are dropped,
#   e.g. `['refs/meta/*', 'refs/changes/*/meta']` on a public bus (ACL changes, NoteDb updates).
# @param filter_publish_private
#   `[filter] publish_private`: publish events of private changes too (default: false, they are
#   dropped). The bus is world-readable; true is logged as a warning.
# @param filter_redact_fields
#   `[filter] redact_fields`: JSON members removed from every event wherever they occur, e.g.
#   `['email']` to keep account e-mail addresses off the bus (default: none, payloads are Gerrit's
#   bytes).
# @param pidfile
#   `[default] pidfile`. Under systemd none is needed; if one is wanted use
#   `/run/germqtt/germqtt.pid` (the unit's RuntimeDirectory). Its directory must exist when the
#   configuration is checked, so `/run/germqtt` only works while the service is running.
# @param buffer_size
#   `[default] buffer_size`: events held while the broker is away (default: 60000).
# @param drain_timeout
#   `[default] drain_timeout`: seconds a stop may spend delivering buffered events (default: 10).
#   Keep it below the unit's TimeoutStopSec (30s).
# @param stats_interval
#   `[default] stats_interval`: seconds between counter log lines, 0 turns them off (default: 60).
# @param state_file
#   `[default] state_file`: where germqtt remembers the last event it published, so that catch-up
#   resumes there after a restart; events undelivered at stop wait in `<state_file>.spool`. The
#   default is in `/var/lib/germqtt`, the unit's StateDirectory, which the module creates; a
#   directory elsewhere must exist (the unit gets a `ReadWritePaths=` for it). `false` writes no
#   `state_file`: nothing is kept across restarts.
# @param manage_package
#   Whether to install the germqtt binary (see `install_method`).
# @param install_method
#   `package` installs `package_name`; `file` copies `binary_source` to `binary_path`.
# @param package_name
#   The package that provides germqtt (install_method `package`).
# @param package_ensure
#   `ensure` of the package: `installed`, `latest` or a version.
# @param binary_source
#   Where the germqtt binary (e.g. a NativeAOT build) comes from for install_method `file`: a
#   local path or a `puppet:///` URL.
# @param binary_path
#   Path of the germqtt executable: where `file` installs it, what the unit starts and what
#   checks the configuration.
# @param manage_user
#   Whether to create the `user` and `group` as system accounts.
# @param user
#   The account germqtt runs as; owns the SSH key.
# @param group
#   The group of the account; may read the INI.
# @param user_home
#   Home directory of the account (created when `manage_user` is true).
# @param config_file
#   Path of the INI file (`germqtt --config` argument).
# @param config_dir
#   Directory of the SSH key and known_hosts file; mode 0750, group `group`.
# @param key_file
#   Where `gerrit_ssh_key` is written (`[gerrit] key`).
# @param known_hosts_file
#   Where `gerrit_host_key` is written (`[gerrit] known_hosts`).
# @param validate_config
#   Whether to run `validate_command` on a new INI before installing it.
# @param validate_command
#   The check of a new INI; `%` is replaced with the path of the candidate file. It needs the
#   binary, the key and the known_hosts file in place, which this class orders before the INI.
#   A `*_file` in `$CREDENTIALS_DIRECTORY` exists only inside the service (it needs a
#   `LoadCredential=` drop-in for the unit); the check then needs that variable too, e.g.
#   `env CREDENTIALS_DIRECTORY=/etc/germqtt/credentials /usr/bin/germqtt --check-config %`, a
#   directory holding files of the same names. Without it the class fails unless
#   `validate_config` is false.
# @param unit_file
#   Path of the systemd unit.
# @param memory_deny_write_execute
#   Adds `MemoryDenyWriteExecute=yes` to the unit. Only a NativeAOT build of germqtt survives it;
#   a JIT (framework-dependent or self-contained) build crashes at start. The module cannot tell
#   which build it installs, so set it to true for the NativeAOT binary of the `.deb` that
#   `scripts/package` builds.
# @param watchdog_sec
#   `WatchdogSec=` of the unit in seconds: germqtt sends `WATCHDOG=1` at half that interval, and
#   systemd kills and restarts it when the pings stop. Unset by default (no watchdog).
# @param load_credentials
#   systemd credentials for the unit, name => source path: each becomes
#   `LoadCredential=NAME:PATH`, readable by germqtt as `$CREDENTIALS_DIRECTORY/NAME`
#   (e.g. `mqtt_password_file => '$CREDENTIALS_DIRECTORY/mqtt_password'`). The source files
#   may then stay readable by root only. Empty by default.
# @param manage_service
#   Whether to manage the service. Turn off where systemd is not PID 1 (containers, tests).
# @param service_name
#   Name of the service (and of the unit file).
# @param service_ensure
#   `ensure` of the service: `running` or `stopped`.
# @param service_enable
#   Whether the service starts at boot.
class germqtt (
  Germqtt::Value $gerrit_username,
  Germqtt::Value $gerrit_hostname,
  Sensitive[String[1]] $gerrit_ssh_key,
  Variant[Germqtt::Hostkey, Array[Germqtt::Hostkey, 1]] $gerrit_host_key,
  Stdlib::Port $gerrit_port = 29418,
  Optional[Pattern[/\ASHA256:[A-Za-z0-9+\/]+=*\z/]] $gerrit_host_key_fingerprint = undef,
  Optional[Sensitive[Pattern[/\A[^\r\n]+\z/]]] $gerrit_key_passphrase = undef,
  Optional[Germqtt::Secretfile] $gerrit_key_passphrase_file = undef,
  Optional[Boolean] $gerrit_insecure_any_host_key = undef,
  Optional[Array[Pattern[/\A[A-Za-z0-9-]+\z/], 1]] $gerrit_event_types = undef,
  Optional[Germqtt::Seconds] $gerrit_connect_timeout = undef,
  Optional[Germqtt::Seconds] $gerrit_keepalive = undef,
  Optional[Germqtt::Seconds] $gerrit_liveness_interval = undef,
  Optional[Integer[1024, 1073741824]] $gerrit_max_event_size = undef,
  Optional[Germqtt::Seconds] $gerrit_retry_initial = undef,
  Optional[Germqtt::Seconds] $gerrit_retry_max = undef,
  Optional[Pattern[/\Ahttps?:\/\/[^\s\/?#@]+(?:\/[^\s?#]*)?\z/]] $gerrit_http_url = undef,
  Optional[Germqtt::Value] $gerrit_http_username = undef,
  Optional[Sensitive[Pattern[/\A[^\r\n]+\z/]]] $gerrit_http_password = undef,
  Optional[Germqtt::Secretfile] $gerrit_http_password_file = undef,
  Optional[Pattern[/\A[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*\z/]] $gerrit_events_log_timezone = undef,
  Optional[Variant[Integer[1, 31536000], Float[1.0, 31536000.0]]] $gerrit_catch_up_max = undef,
  Germqtt::Value $mqtt_hostname = 'localhost',
  Optional[Stdlib::Port] $mqtt_port = undef,
  Optional[Enum['tcp', 'websockets']] $mqtt_transport = undef,
  Optional[Pattern[/\A\/\S*\z/]] $mqtt_websocket_path = undef,
  Optional[Enum['3.1.1', '5']] $mqtt_protocol = undef,
  Optional[Boolean] $mqtt_tls = undef,
  Optional[Stdlib::Absolutepath] $mqtt_ca_certs = undef,
  Optional[Stdlib::Absolutepath] $mqtt_certfile = undef,
  Optional[Stdlib::Absolutepath] $mqtt_keyfile = undef,
  Optional[Boolean] $mqtt_tls_insecure = undef,
  Optional[Germqtt::Topic] $mqtt_topic = undef,
  Optional[Germqtt::Seconds] $mqtt_keepalive = undef,
  Optional[Germqtt::Value] $mqtt_username = undef,
  Optional[Sensitive[Pattern[/\A[^\r\n]+\z/]]] $mqtt_password = undef,
  Optional[Germqtt::Secretfile] $mqtt_password_file = undef,
  Optional[Germqtt::Topic] $mqtt_status_topic = undef,
  Optional[Integer[0, 2]] $mqtt_qos = undef,
  Optional[Germqtt::Value] $mqtt_client_id = undef,
  Optional[Integer[1, 65535]] $mqtt_max_inflight = undef,
  Optional[Germqtt::Seconds] $mqtt_connect_timeout = undef,
  Optional[Germqtt::Seconds] $mqtt_publish_timeout = undef,
  Optional[Integer[128, 268435455]] $mqtt_max_packet_size = undef,
  Optional[Germqtt::Seconds] $mqtt_retry_initial = undef,
  Optional[Germqtt::Seconds] $mqtt_retry_max = undef,
  Optional[Array[Germqtt::Glob, 1]] $filter_include_projects = undef,
  Optional[Array[Germqtt::Glob, 1]] $filter_exclude_projects = undef,
  Optional[Array[Germqtt::Glob, 1]] $filter_exclude_refs = undef,
  Optional[Boolean] $filter_publish_private = undef,
  Optional[Array[Pattern[/\A[^"\\\s,]+\z/], 1]] $filter_redact_fields = undef,
  Optional[Stdlib::Absolutepath] $pidfile = undef,
  Optional[Integer[1, 10000000]] $buffer_size = undef,
  Optional[Germqtt::Seconds] $drain_timeout = undef,
  Optional[Germqtt::Seconds] $stats_interval = undef,
  Variant[Stdlib::Unixpath, Boolean[false]] $state_file = '/var/lib/germqtt/state',
  Boolean $manage_package = true,
  Enum['package', 'file'] $install_method = 'package',
  String[1] $package_name = 'germqtt',
  String[1] $package_ensure = 'installed',
  Optional[Stdlib::Filesource] $binary_source = undef,
  Stdlib::Absolutepath $binary_path = '/usr/bin/germqtt',
  Boolean $manage_user = true,
  String[1] $user = 'germqtt',
  String[1] $group = 'germqtt',
  Stdlib::Absolutepath $user_home = '/var/lib/germqtt',
  Stdlib::Absolutepath $config_file = '/etc/germqtt.ini',
  Stdlib::Absolutepath $config_dir = '/etc/germqtt',
  Stdlib::Absolutepath $key_file = '/etc/germqtt/gerrit_key',
  Stdlib::Absolutepath $known_hosts_file = '/etc/germqtt/known_hosts',
  Boolean $validate_config = true,
  String[1] $validate_command = "${binary_path} --check-config %",
  Stdlib::Absolutepath $unit_file = '/etc/systemd/system/germqtt.service',
  Boolean $memory_deny_write_execute = false,
  Optional[Integer[1]] $watchdog_sec = undef,
  Hash[Pattern[/\A[A-Za-z0-9_.-]+\z/], Stdlib::Absolutepath] $load_credentials = {},
  Boolean $manage_service = true,
  String[1] $service_name = 'germqtt',
  Stdlib::Ensure::Service $service_ensure = 'running',
  Boolean $service_enable = true,
) {
  if ($mqtt_password =~ NotUndef or $mqtt_password_file =~ NotUndef) and $mqtt_username =~ Undef {
    fail('germqtt: mqtt_password or mqtt_password_file is set but mqtt_username is not; the broker needs both')
  }
  if $mqtt_password =~ NotUndef and $mqtt_password_file =~ NotUndef {
    fail('germqtt: set mqtt_password or mqtt_password_file, not both')
  }
  if $gerrit_key_passphrase =~ NotUndef and $gerrit_key_passphrase_file =~ NotUndef {
    fail('germqtt: set gerrit_key_passphrase or gerrit_key_passphrase_file, not both')
  }
  if $gerrit_http_url =~ Undef {
    $catch_up_only = {
      'gerrit_http_username'       => $gerrit_http_username,
      'gerrit_http_password'       => $gerrit_http_password,
      'gerrit_http_password_file'  => $gerrit_http_password_file,
      'gerrit_events_log_timezone' => $gerrit_events_log_timezone,
      'gerrit_catch_up_max'        => $gerrit_catch_up_max,
    }.filter |$name, $value| { $value =~ NotUndef }.keys
    unless $catch_up_only.empty {
      fail("germqtt: ${catch_up_only.join(', ')} set but gerrit_http_url is not; catch-up needs Gerrit's web URL")
    }
  } elsif $gerrit_http_password =~ Undef and $gerrit_http_password_file =~ Undef {
    fail("germqtt: gerrit_http_url needs gerrit_http_password or gerrit_http_password_file (the account's HTTP password)")
  }
  if $gerrit_http_password =~ NotUndef and $gerrit_http_password_file =~ NotUndef {
    fail('germqtt: set gerrit_http_password or gerrit_http_password_file, not both')
  }
  if ($mqtt_certfile =~ Undef) != ($mqtt_keyfile =~ Undef) {
    fail('germqtt: mqtt_certfile and mqtt_keyfile go together (a client certificate needs its key)')
  }
  if $mqtt_tls != true and ([$mqtt_ca_certs, $mqtt_certfile, $mqtt_keyfile].any |$f| { $f =~ NotUndef } or $mqtt_tls_insecure == true) {
    fail('germqtt: mqtt_ca_certs, mqtt_certfile, mqtt_keyfile and mqtt_tls_insecure need mqtt_tls => true')
  }
  # Only the service has $CREDENTIALS_DIRECTORY (LoadCredential=); the check runs outside it.
  $credential_files = {
    'gerrit_key_passphrase_file' => $gerrit_key_passphrase_file,
    'gerrit_http_password_file'  => $gerrit_http_password_file,
    'mqtt_password_file'         => $mqtt_password_file,
  }.filter |$name, $path| { $path =~ Pattern[/\A\$CREDENTIALS_DIRECTORY\//] }.keys
  if $validate_config and !$credential_files.empty and !('CREDENTIALS_DIRECTORY' in $validate_command) {
    fail(@("MSG"/$L))
      germqtt: ${credential_files.join(' and ')} in \$CREDENTIALS_DIRECTORY, which only the service \
      has: validate_command must set it too (env CREDENTIALS_DIRECTORY=DIR ... --check-config %), \
      or set validate_config => false
      | MSG
  }
  if $manage_package and $install_method == 'file' and $binary_source =~ Undef {
    fail("germqtt: install_method 'file' needs binary_source, the germqtt binary to install")
  }
  if $validate_config and !('%' in $validate_command) {
    fail("germqtt: validate_command must contain '%', where the candidate INI's path goes")
  }

  contain germqtt::user
  contain germqtt::install
  contain germqtt::config
  contain germqtt::service

  Class['germqtt::user']
  -> Class['germqtt::install']
  -> Class['germqtt::config']
  ~> Class['germqtt::service']

  # A new binary restarts the daemon too.
  Class['germqtt::install'] ~> Class['germqtt::service']
}
