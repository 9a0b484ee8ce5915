# @summary
#   A Mosquitto 2.0 broker for a public event firehose: anyone may subscribe, only publishers publish.
#
# Manages the package, `mosquitto.conf`, the password file, the ACL, optional TLS files and the
# service. Mosquitto 2.0 drops to the `mosquitto` user before it opens the password file, the
# ACL, a log file or the TLS key, so those are written `0640 root:mosquitto`.
#
# Listeners (all use the same global authentication and ACL, `per_listener_settings false`):
# * MQTT on `port` (1883), bound to `listen_address` when given;
# * MQTT over websockets on `websockets_port` (80) unless it is undef;
# * when `tls_cert` and `tls_key` are given: MQTT over TLS on `tls_port` (8883) and secure
#   websockets on `tls_websockets_port` (8080) unless that is undef.
#
# Mosquitto 2.0's websockets listeners ignore any bind address (they listen on every
# interface); firewall them if that matters.
#
# @example A firehose broker with one publisher
#   class { 'mosquitto':
#     publishers => {
#       'germqtt' => { 'password' => Sensitive('change-me') },
#     },
#   }
#
# @param publishers
#   The users allowed to publish, by user name: each with a Sensitive `password` and optional
#   `topics` (topic filters it may write and read, `#` when left out). Anonymous clients may read
#   every topic, including `$SYS/#`, and write none. At least one publisher is required.
# @param manage_package
#   Whether to install `package_name`. Turn off when the package comes from elsewhere (or in tests).
# @param package_name
#   Name of the broker's package.
# @param package_ensure
#   `ensure` of the package: `installed`, `latest` or a version.
# @param manage_service
#   Whether to manage the `service_name` service. Turn off where no service manager runs (tests).
# @param service_name
#   Name of the broker's service.
# @param service_ensure
#   `ensure` of the service: `running` or `stopped`.
# @param service_enable
#   Whether the service starts at boot.
# @param config_dir
#   Directory of the broker's configuration; created when missing.
# @param config_file
#   Path of the main configuration file the broker is started with.
# @param password_file
#   Path of the password file (`user:$7$...` lines, hashed by Puppet).
# @param acl_file
#   Path of the access control list.
# @param owner
#   Owner of the managed files.
# @param group
#   Group of the managed files; the broker's own group, so that it can read them after dropping
#   privileges. Tests may use `root`.
# @param run_as_user
#   When set, writes `user NAME` into the configuration: the user mosquitto switches to when
#   started as root (mosquitto's own default is `mosquitto`). Leave undef in production.
# @param listen_address
#   Address the plain and TLS MQTT listeners bind to; undef binds every address.
# @param port
#   Port of the plain MQTT listener.
# @param websockets_port
#   Port of the plain websockets listener; undef disables it. Ports below 1024 work because
#   mosquitto binds them before dropping privileges.
# @param tls_port
#   Port of the MQTT over TLS listener, used when `tls_cert` and `tls_key` are given.
# @param tls_websockets_port
#   Port of the secure websockets listener, used when `tls_cert` and `tls_key` are given; undef
#   disables it.
# @param tls_ca
#   PEM text of the CA certificate(s) to send along (`cafile`); optional.
# @param tls_cert
#   PEM text of the server certificate (with intermediates). Together with `tls_key` it turns on
#   the TLS listeners.
# @param tls_key
#   PEM text of the server's private key, Sensitive. Written `0640 owner:group`.
# @param tls_ca_path
#   Where `tls_ca` is written.
# @param tls_cert_path
#   Where `tls_cert` is written.
# @param tls_key_path
#   Where `tls_key` is written.
# @param persistence
#   Whether retained messages and durable sessions are saved to disk.
# @param persistence_location
#   Directory of the persistence file; the package creates `/var/lib/mosquitto` for the broker.
# @param log_dest
#   Where the broker logs: `syslog` (the journal), `stderr` or `file`.
# @param log_file
#   The log file when `log_dest` is `file`; its directory must be writable by the broker's user
#   (the Debian unit prepares `/var/log/mosquitto`).
# @param log_types
#   Which messages are logged (mosquitto's `log_type` values).
# @param connection_messages
#   Whether client connects and disconnects are logged.
# @param serve_page
#   Whether the websockets listeners also serve the live event page (`files/www`: a static page
#   that subscribes over MQTT-over-websockets to this broker and shows Gerrit events as they
#   arrive). It is copied to `page_dir` and served with mosquitto's `http_dir`, at
#   `http://HOST:websockets_port/` (and `https://HOST:tls_websockets_port/` with TLS).
# @param page_dir
#   Where the live event page is copied to when `serve_page` is on; every file in it is public.
# @param persistent_client_expiration
#   How long a persistent session (clean session off, or an MQTT 5 session expiry) is kept for a
#   client that does not come back: a number followed by `h`, `d`, `w`, `m` or `y`. Subscribers
#   that pick a random client id with clean session off would otherwise leave sessions, with
#   their queues, that live forever. `never` keeps them forever (mosquitto's default).
# @param max_queued_messages
#   Messages queued per client beyond those in flight, for a subscriber that is slower than the
#   firehose or (with a persistent session) away; past it new messages for that client are
#   dropped. 0 means no limit, which lets one stalled subscriber grow the broker without bound.
# @param max_queued_bytes
#   The same bound in payload bytes (0: none); whichever limit is reached first applies. It
#   caps the memory a subscriber can hold when events are large.
# @param max_connections
#   Clients each listener accepts at once (mosquitto 2.0 counts per listener); -1 for no limit.
#   Keep the sum over the listeners below `limit_nofile`.
# @param set_tcp_nodelay
#   Whether the broker sends without Nagle's algorithm: an event that does not fill whole TCP
#   segments otherwise waits for the subscriber's (delayed) ACK of the previous one.
# @param limit_nofile
#   Open files (so connections) the service may have: `LimitNOFILE=` in a systemd drop-in,
#   managed with the service (`manage_service`). Mosquitto does not raise its own limit, and
#   systemd's default of 1024 caps a broker at about a thousand clients. 0 leaves the unit as is.
# @param service_dropin_file
#   Path of that drop-in.
# @param password_salt_seed
#   Mixed into each password hash's salt together with the user name, so equal passwords give
#   different hashes on different hosts. Must stay stable, or every run rewrites the file.
class mosquitto (
  Hash[Mosquitto::Username, Mosquitto::Publisher, 1] $publishers,
  Boolean $manage_package = true,
  String[1] $package_name = 'mosquitto',
  String[1] $package_ensure = 'installed',
  Boolean $manage_service = true,
  String[1] $service_name = 'mosquitto',
  Stdlib::Ensure::Service $service_ensure = 'running',
  Boolean $service_enable = true,
  Stdlib::Absolutepath $config_dir = '/etc/mosquitto',
  Stdlib::Absolutepath $config_file = '/etc/mosquitto/mosquitto.conf',
  Stdlib::Absolutepath $password_file = '/etc/mosquitto/passwd',
  Stdlib::Absolutepath $acl_file = '/etc/mosquitto/acl',
  String[1] $owner = 'root',
  String[1] $group = 'mosquitto',
  Optional[String[1]] $run_as_user = undef,
  Optional[Stdlib::IP::Address::Nosubnet] $listen_address = undef,
  Stdlib::Port $port = 1883,
  Optional[Stdlib::Port] $websockets_port = 80,
  Stdlib::Port $tls_port = 8883,
  Optional[Stdlib::Port] $tls_websockets_port = 8080,
  Optional[String[1]] $tls_ca = undef,
  Optional[String[1]] $tls_cert = undef,
  Optional[Sensitive[String[1]]] $tls_key = undef,
  Stdlib::Absolutepath $tls_ca_path = '/etc/mosquitto/certs/ca.crt',
  Stdlib::Absolutepath $tls_cert_path = '/etc/mosquitto/certs/server.crt',
  Stdlib::Absolutepath $tls_key_path = '/etc/mosquitto/certs/server.key',
  Boolean $persistence = true,
  Stdlib::Absolutepath $persistence_location = '/var/lib/mosquitto',
  Enum['syslog', 'stderr', 'file'] $log_dest = 'syslog',
  Stdlib::Absolutepath $log_file = '/var/log/mosquitto/mosquitto.log',
  Array[Mosquitto::Logtype, 1] $log_types = ['error', 'warning', 'notice', 'information'],
  Boolean $connection_messages = true,
  Boolean $serve_page = false,
  Stdlib::Absolutepath $page_dir = '/var/www/mosquitto',
  Variant[Enum['never'], Pattern[/\A[1-9][0-9]*[hdwmy]\z/]] $persistent_client_expiration = '1d',
  Integer[0] $max_queued_messages = 1000,
  Integer[0] $max_queued_bytes = 4194304,
  Integer[-1] $max_connections = 10000,
  Boolean $set_tcp_nodelay = true,
  Variant[Integer[0, 0], Integer[1024]] $limit_nofile = 65536,
  Stdlib::Absolutepath $service_dropin_file = '/etc/systemd/system/mosquitto.service.d/limits.conf',
  String[1] $password_salt_seed = $facts.dig('networking', 'fqdn').lest || { 'mosquitto' },
) {
  if ($tls_cert =~ Undef) != ($tls_key =~ Undef) {
    fail('mosquitto: tls_cert and tls_key must be given together (the TLS listeners need both)')
  }
  if $tls_ca and !$tls_cert {
    fail('mosquitto: tls_ca is only used by the TLS listeners; give tls_cert and tls_key too')
  }

  contain mosquitto::install
  contain mosquitto::config
  contain mosquitto::service

  Class['mosquitto::install']
  -> Class['mosquitto::config']
  ~> Class['mosquitto::service']
}
