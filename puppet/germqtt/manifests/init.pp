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
# @param gerrit_connect_timeout
#   `[gerrit] connect_timeout` in seconds (germqtt's default: 30).
# @param gerrit_keepalive
#   `[gerrit] keepalive` in seconds, 0 turns SSH keepalives off (default: 30).
# @param gerrit_liveness_interval
#   `[gerrit] liveness_interval` in seconds of silence before Gerrit is asked whether it still
#   answers, 0 turns it off (default: 60).
# @param gerrit_retry_initial
#   `[gerrit] retry_initial`: cap of the first reconnect delay in seconds (default: 1).
# @param gerrit_retry_max
#   `[gerrit] retry_max`: cap of every reconnect delay in seconds (default: 60).
# @param mqtt_hostname
#   `[mqtt] hostname`: the broker.
# @param mqtt_port
#   `[mqtt] port` (default: 1883).
# @param mqtt_topic
#   `[mqtt] topic`: the base topic, without wildcards or a trailing `/` (default: `gerrit`).
# @param mqtt_keepalive
#   `[mqtt] keepalive` in seconds (default: 60).
# @param mqtt_username
#   `[mqtt] username`: the broker user germqtt publishes as; needed when `mqtt_password` is set.
# @param mqtt_password
#   `[mqtt] password`, Sensitive. The INI is then written as Sensitive content.
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
# @param mqtt_retry_initial
#   `[mqtt] retry_initial`: cap of the first reconnect delay in seconds (default: 1).
# @param mqtt_retry_max
#   `[mqtt] retry_max`: cap of every reconnect delay in seconds (default: 60).
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
  Optional[Germqtt::Seconds] $gerrit_connect_timeout = undef,
  Optional[Germqtt::Seconds] $gerrit_keepalive = undef,
  Optional[Germqtt::Seconds] $gerrit_liveness_interval = undef,
  Optional[Germqtt::Seconds] $gerrit_retry_initial = undef,
  Optional[Germqtt::Seconds] $gerrit_retry_max = undef,
  Germqtt::Value $mqtt_hostname = 'localhost',
  Optional[Stdlib::Port] $mqtt_port = undef,
  Optional[Germqtt::Topic] $mqtt_topic = undef,
  Optional[Germqtt::Seconds] $mqtt_keepalive = undef,
  Optional[Germqtt::Value] $mqtt_username = undef,
  Optional[Sensitive[Pattern[/\A[^\r\n]+\z/]]] $mqtt_password = undef,
  Optional[Integer[0, 2]] $mqtt_qos = undef,
  Optional[Germqtt::Value] $mqtt_client_id = undef,
  Optional[Integer[1, 65535]] $mqtt_max_inflight = undef,
  Optional[Germqtt::Seconds] $mqtt_connect_timeout = undef,
  Optional[Germqtt::Seconds] $mqtt_publish_timeout = undef,
  Optional[Germqtt::Seconds] $mqtt_retry_initial = undef,
  Optional[Germqtt::Seconds] $mqtt_retry_max = undef,
  Optional[Stdlib::Absolutepath] $pidfile = undef,
  Optional[Integer[1, 10000000]] $buffer_size = undef,
  Optional[Germqtt::Seconds] $drain_timeout = undef,
  Optional[Germqtt::Seconds] $stats_interval = undef,
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
  Boolean $manage_service = true,
  String[1] $service_name = 'germqtt',
  Stdlib::Ensure::Service $service_ensure = 'running',
  Boolean $service_enable = true,
) {
  if $mqtt_password =~ NotUndef and $mqtt_username =~ Undef {
    fail('germqtt: mqtt_password is set but mqtt_username is not; the broker needs both')
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
