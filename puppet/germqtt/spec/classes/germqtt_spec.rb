# frozen_string_literal: true

require 'spec_helper'

describe 'germqtt' do
  include_context 'germqtt required parameters'
  let(:params) { required }
  let(:ini) { ini_sections(file_content('/etc/germqtt.ini')) }
  let(:unit) { file_content('/etc/systemd/system/germqtt.service') }

  context 'with the required parameters only' do
    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_package('germqtt').with_ensure('installed') }
    it { is_expected.to contain_group('germqtt').with(system: true) }
    it { is_expected.to contain_user('germqtt').with(system: true, gid: 'germqtt', home: '/var/lib/germqtt', shell: '/usr/sbin/nologin') }
    it { is_expected.to contain_service('germqtt').with(ensure: 'running', enable: true) }

    it 'restarts the service when the binary or any configuration file changes' do
      is_expected.to contain_class('germqtt::config').that_notifies('Class[germqtt::service]')
      is_expected.to contain_class('germqtt::install').that_notifies('Class[germqtt::service]')
      is_expected.to contain_class('germqtt::install').that_comes_before('Class[germqtt::config]')
      is_expected.to contain_class('germqtt::user').that_comes_before('Class[germqtt::install]')
      %w[/etc/germqtt.ini /etc/germqtt/gerrit_key /etc/germqtt/known_hosts /etc/systemd/system/germqtt.service].each do |f|
        is_expected.to contain_file(f).that_comes_before('Class[germqtt::service]')
      end
    end

    it 'writes only the options given; germqtt defaults the rest' do
      expect(ini).to eq(
        'default' => { 'state_file' => '/var/lib/germqtt/state' },
        'gerrit' => {
          'username' => 'firehose', 'hostname' => 'review.example.org', 'port' => '29418',
          'key' => '/etc/germqtt/gerrit_key', 'known_hosts' => '/etc/germqtt/known_hosts'
        },
        'mqtt' => { 'hostname' => 'localhost' },
        'filter' => {},
      )
    end

    it 'writes the INI as plain content: it holds no secret' do
      expect(catalogue.resource('File', '/etc/germqtt.ini').sensitive_parameters).not_to include(:content)
    end

    it 'protects the INI: root:germqtt 0640, no diffs, checked by germqtt before it is installed' do
      is_expected.to contain_file('/etc/germqtt.ini').with(
        owner: 'root', group: 'germqtt', mode: '0640', show_diff: false, backup: false,
        validate_cmd: '/usr/bin/germqtt --check-config %',
      )
      is_expected.to contain_file('/etc/germqtt.ini').that_requires(['File[/etc/germqtt/gerrit_key]', 'File[/etc/germqtt/known_hosts]'])
    end

    it 'writes the SSH key for the germqtt user only, Sensitive, ending in a newline' do
      is_expected.to contain_file('/etc/germqtt/gerrit_key').with(owner: 'germqtt', mode: '0600', show_diff: false, backup: false)
      expect(catalogue.resource('File', '/etc/germqtt/gerrit_key').sensitive_parameters).to include(:content)
      expect(file_content('/etc/germqtt/gerrit_key')).to end_with("-----END OPENSSH PRIVATE KEY-----\n")
      is_expected.to contain_file('/etc/germqtt').with(ensure: 'directory', owner: 'root', group: 'germqtt', mode: '0750')
    end

    it 'keeps the state in /var/lib/germqtt, the home the module makes for the user' do
      is_expected.to contain_file('/var/lib/germqtt').with(ensure: 'directory', owner: 'germqtt', mode: '0750')
      is_expected.to contain_file('/var/lib/germqtt').that_comes_before('Class[germqtt::config]')
    end

    it 'pins the Gerrit host key for [host]:port' do
      expect(file_content('/etc/germqtt/known_hosts')).to eq("[review.example.org]:29418 #{HOST_KEY}\n")
    end

    it 'writes a hardened systemd unit' do
      [
        'Type=notify', 'NotifyAccess=main',
        'ExecStart=/usr/bin/germqtt --config /etc/germqtt.ini',
        'User=germqtt', 'Group=germqtt',
        'Restart=on-failure', 'RestartSec=5s', 'RestartPreventExitStatus=78', 'TimeoutStopSec=30s',
        'After=network-online.target mosquitto.service', 'Wants=network-online.target',
        'Environment=DOTNET_EnableDiagnostics=0', 'RuntimeDirectory=germqtt',
        'StateDirectory=germqtt', 'StateDirectoryMode=0750',
        'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes',
        'PrivateDevices=yes', 'PrivateUsers=yes', 'PrivateMounts=yes', 'ProtectKernelTunables=yes', 'ProtectKernelModules=yes',
        'ProtectKernelLogs=yes', 'ProtectControlGroups=yes', 'ProtectClock=yes', 'ProtectHostname=yes',
        'ProtectProc=invisible', 'ProcSubset=pid', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
        'RestrictNamespaces=yes', 'RestrictRealtime=yes', 'RestrictSUIDSGID=yes', 'LockPersonality=yes',
        'CapabilityBoundingSet=', 'AmbientCapabilities=', 'SystemCallArchitectures=native',
        'SystemCallFilter=@system-service', 'SystemCallFilter=~@privileged', 'UMask=0077',
        'DevicePolicy=closed', 'RemoveIPC=yes', 'WantedBy=multi-user.target'
      ].each do |directive|
        expect(unit.lines.map(&:chomp)).to include(directive)
      end
      expect(unit).not_to match(%r{^MemoryDenyWriteExecute})
      expect(unit).not_to match(%r{^WatchdogSec})
      # The state file is in the StateDirectory, writable without opening anything else.
      expect(unit).not_to match(%r{^ReadWritePaths})
      expect(unit).not_to match(%r{^Type=exec})
      # Readiness does not wait for Gerrit or the broker, so the default start timeout holds.
      expect(unit).not_to match(%r{^TimeoutStartSec})
      expect(unit).not_to match(%r{^SystemCallFilter=.*@resources})
      is_expected.to contain_file('/etc/systemd/system/germqtt.service').with(owner: 'root', mode: '0644')
    end
  end

  # Every parameter of an INI key, with the inline MQTT password and the key passphrase's file;
  # their counterparts (each pair is either-or) follow in the next context.
  context 'with every INI option set' do
    let(:params) do
      required.merge(
        pidfile: '/run/germqtt/germqtt.pid', buffer_size: 5000, drain_timeout: 12.5, stats_interval: 0,
        gerrit_port: 2222, gerrit_host_key_fingerprint: 'SHA256:abcDEF0123+/xyz',
        gerrit_key_passphrase_file: '/etc/germqtt/key_passphrase', gerrit_insecure_any_host_key: false,
        gerrit_event_types: ['patchset-created', 'change-merged'],
        gerrit_connect_timeout: 15, gerrit_keepalive: 25, gerrit_liveness_interval: 90, gerrit_max_event_size: 1048576,
        gerrit_retry_initial: 0.5, gerrit_retry_max: 120,
        gerrit_http_url: 'https://review.example.org/r', gerrit_http_username: 'events-reader',
        gerrit_http_password: sensitive('http p@ss'), gerrit_events_log_timezone: 'America/Los_Angeles',
        gerrit_catch_up_max: 3600, state_file: '/srv/germqtt/state',
        mqtt_hostname: 'broker.example.org', mqtt_port: 8884, mqtt_transport: 'websockets',
        mqtt_websocket_path: '/ws/mqtt', mqtt_protocol: '5', mqtt_tls: true,
        mqtt_ca_certs: '/etc/germqtt/ca.crt', mqtt_certfile: '/etc/germqtt/client.crt',
        mqtt_keyfile: '/etc/germqtt/client.key', mqtt_tls_insecure: true, mqtt_topic: 'gerrit/review',
        mqtt_keepalive: 45, mqtt_username: 'germqtt', mqtt_password: sensitive('p@ss word'),
        mqtt_status_topic: 'germqtt/review/status',
        mqtt_qos: 1, mqtt_client_id: 'germqtt-review', mqtt_max_inflight: 50,
        mqtt_connect_timeout: 20, mqtt_publish_timeout: 40, mqtt_max_packet_size: 262144, mqtt_retry_initial: 2, mqtt_retry_max: 300,
        filter_include_projects: ['openstack/*', 'openstack-infra/*'], filter_exclude_projects: ['private/*', '*/sandbox'],
        filter_exclude_refs: ['refs/meta/*', 'refs/changes/*/meta'], filter_publish_private: true,
        filter_redact_fields: ['email', 'username']
      )
    end

    it 'writes every key with its value, in its section' do
      expect(ini).to eq(
        'default' => {
          'pidfile' => '/run/germqtt/germqtt.pid', 'buffer_size' => '5000', 'drain_timeout' => '12.5',
          'stats_interval' => '0', 'state_file' => '/srv/germqtt/state'
        },
        'gerrit' => {
          'username' => 'firehose', 'hostname' => 'review.example.org', 'port' => '2222',
          'key' => '/etc/germqtt/gerrit_key', 'key_passphrase_file' => '/etc/germqtt/key_passphrase',
          'known_hosts' => '/etc/germqtt/known_hosts', 'host_key_fingerprint' => 'SHA256:abcDEF0123+/xyz',
          'event_types' => 'patchset-created, change-merged', 'insecure_any_host_key' => 'false',
          'connect_timeout' => '15', 'keepalive' => '25', 'liveness_interval' => '90', 'max_event_size' => '1048576', 'retry_initial' => '0.5',
          'retry_max' => '120', 'http_url' => 'https://review.example.org/r', 'http_username' => 'events-reader',
          'http_password' => '"http p@ss"', 'events_log_timezone' => 'America/Los_Angeles', 'catch_up_max' => '3600'
        },
        'mqtt' => {
          'hostname' => 'broker.example.org', 'port' => '8884', 'transport' => 'websockets',
          'websocket_path' => '/ws/mqtt', 'protocol' => '5', 'tls' => 'true', 'ca_certs' => '/etc/germqtt/ca.crt',
          'certfile' => '/etc/germqtt/client.crt', 'keyfile' => '/etc/germqtt/client.key', 'tls_insecure' => 'true',
          'topic' => 'gerrit/review', 'keepalive' => '45', 'username' => 'germqtt', 'password' => '"p@ss word"',
          'status_topic' => 'germqtt/review/status', 'qos' => '1', 'client_id' => 'germqtt-review',
          'max_inflight' => '50', 'connect_timeout' => '20', 'publish_timeout' => '40', 'max_packet_size' => '262144', 'retry_initial' => '2',
          'retry_max' => '300'
        },
        'filter' => {
          'include_projects' => 'openstack/*, openstack-infra/*', 'exclude_projects' => 'private/*, */sandbox',
          'exclude_refs' => 'refs/meta/*, refs/changes/*/meta', 'publish_private' => 'true',
          'redact_fields' => 'email, username'
        },
      )
    end

    it "writes every key of germqtt.ini.sample but the other half of each either-or secret" do
      expect(ini_keys(ini)).to match_array(GERMQTT_INI_KEYS - ['gerrit:key_passphrase', 'gerrit:http_password_file', 'mqtt:password_file'])
    end

    it 'marks the INI Sensitive because it holds the password' do
      expect(catalogue.resource('File', '/etc/germqtt.ini').sensitive_parameters).to include(:content)
    end

    it 'pins the host key for the non-default port' do
      expect(file_content('/etc/germqtt/known_hosts')).to eq("[review.example.org]:2222 #{HOST_KEY}\n")
    end

    it 'lets the unit write the state file outside its StateDirectory' do
      expect(unit.lines.map(&:chomp)).to include('StateDirectory=germqtt', 'ReadWritePaths=/srv/germqtt')
    end
  end

  context 'with the HTTP password alone marking the INI secret' do
    let(:params) { required.merge(gerrit_http_url: 'http://review.example.org', gerrit_http_password: sensitive('http-only')) }

    it 'writes the INI as Sensitive content' do
      expect(ini['gerrit']).to include('http_url' => 'http://review.example.org', 'http_password' => '"http-only"')
      expect(catalogue.resource('File', '/etc/germqtt.ini').sensitive_parameters).to include(:content)
    end
  end

  context 'without a state file' do
    let(:params) { required.merge(state_file: false) }

    it 'writes no state_file and opens no other directory' do
      expect(ini['default']).to eq({})
      expect(unit).not_to match(%r{^ReadWritePaths})
    end
  end

  context 'with a user managed elsewhere and the default state file' do
    let(:params) { required.merge(manage_user: false) }

    it 'still makes /var/lib/germqtt before the INI check looks for it' do
      is_expected.to contain_file('/var/lib/germqtt').with(ensure: 'directory', owner: 'germqtt', group: 'germqtt', mode: '0750')
      is_expected.to contain_file('/var/lib/germqtt').that_comes_before('File[/etc/germqtt.ini]')
    end
  end

  context 'with the key passphrase inline and the MQTT password in a systemd credential' do
    let(:params) do
      required.merge(
        gerrit_key_passphrase: sensitive('"quoted" pass phrase '), gerrit_insecure_any_host_key: true,
        gerrit_http_url: 'https://review.example.org', gerrit_http_password_file: '$CREDENTIALS_DIRECTORY/http_password',
        mqtt_username: 'germqtt', mqtt_password_file: '$CREDENTIALS_DIRECTORY/mqtt_password',
        validate_command: 'env CREDENTIALS_DIRECTORY=/etc/germqtt /usr/bin/germqtt --check-config %'
      )
    end

    it 'writes the keys the every-option catalogue could not, and booleans as true/false' do
      expect(ini['gerrit']).to include('key_passphrase' => '""quoted" pass phrase "', 'insecure_any_host_key' => 'true')
      expect(ini['gerrit']).not_to include('key_passphrase_file')
      expect(ini['mqtt']).to include('username' => 'germqtt', 'password_file' => '$CREDENTIALS_DIRECTORY/mqtt_password')
      expect(ini['mqtt']).not_to include('password')
      expect(ini['gerrit']).to include('http_password_file' => '$CREDENTIALS_DIRECTORY/http_password')
      expect(ini['gerrit']).not_to include('http_password')
    end

    it 'marks the INI Sensitive because it holds the passphrase' do
      expect(catalogue.resource('File', '/etc/germqtt.ini').sensitive_parameters).to include(:content)
    end

    it 'checks the INI with the credentials directory given' do
      is_expected.to contain_file('/etc/germqtt.ini').with_validate_cmd('env CREDENTIALS_DIRECTORY=/etc/germqtt /usr/bin/germqtt --check-config %')
    end
  end

  context 'with both secrets in files' do
    let(:params) do
      required.merge(
        gerrit_key_passphrase_file: '/etc/germqtt/key_passphrase',
        mqtt_username: 'germqtt', mqtt_password_file: '/etc/germqtt/mqtt_password'
      )
    end

    it 'writes the INI as plain content: it names the files, not the secrets' do
      expect(ini['mqtt']['password_file']).to eq('/etc/germqtt/mqtt_password')
      expect(catalogue.resource('File', '/etc/germqtt.ini').sensitive_parameters).not_to include(:content)
    end
  end

  context 'with Gerrit on port 22 and two host keys' do
    let(:params) do
      required.merge(gerrit_port: 22, gerrit_host_key: [HOST_KEY, 'ecdsa-sha2-nistp256 AAAAE2VjZHNh host-comment'])
    end

    it 'writes plain host names, one line per key' do
      expect(file_content('/etc/germqtt/known_hosts')).to eq(
        "review.example.org #{HOST_KEY}\nreview.example.org ecdsa-sha2-nistp256 AAAAE2VjZHNh host-comment\n",
      )
    end
  end

  context 'installed from a file, no user, no service, no validation, MemoryDenyWriteExecute, a watchdog' do
    let(:params) do
      required.merge(
        install_method: 'file', binary_source: 'puppet:///modules/site/germqtt', binary_path: '/usr/local/bin/germqtt',
        manage_user: false, manage_service: false, validate_config: false, memory_deny_write_execute: true,
        watchdog_sec: 30, load_credentials: { 'mqtt_password' => '/etc/germqtt/mqtt_password' }
      )
    end

    it 'hands the unit the credentials germqtt reads from $CREDENTIALS_DIRECTORY' do
      expect(unit).to match(%r{^LoadCredential=mqtt_password:/etc/germqtt/mqtt_password$})
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_package('germqtt') }
    it { is_expected.not_to contain_user('germqtt') }
    it { is_expected.not_to contain_service('germqtt') }
    it { is_expected.to contain_file('/usr/local/bin/germqtt').with(source: 'puppet:///modules/site/germqtt', mode: '0755') }
    it { is_expected.to contain_file('/etc/germqtt.ini').without_validate_cmd }

    it 'starts the installed binary, with MemoryDenyWriteExecute for a NativeAOT build' do
      expect(unit).to match(%r{^ExecStart=/usr/local/bin/germqtt --config /etc/germqtt\.ini$})
      expect(unit).to match(%r{^MemoryDenyWriteExecute=yes$})
    end

    it 'asks systemd to watch germqtt, which pings at half the interval' do
      expect(unit).to match(%r{^WatchdogSec=30s$})
      expect(unit).to match(%r{^Type=notify$})
    end
  end

  context 'with a custom validate command' do
    let(:params) { required.merge(validate_command: '/usr/bin/dotnet /opt/germqtt/germqtt.dll --check-config %') }

    it { is_expected.to contain_file('/etc/germqtt.ini').with_validate_cmd('/usr/bin/dotnet /opt/germqtt/germqtt.dll --check-config %') }
  end
end
