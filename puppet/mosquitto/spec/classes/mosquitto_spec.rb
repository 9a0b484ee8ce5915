# frozen_string_literal: true

require 'spec_helper'
require 'base64'
require 'openssl'

describe 'mosquitto' do
  let(:params) do
    { publishers: { 'germqtt' => { 'password' => sensitive('s3cret-firehose') } } }
  end
  let(:conf) { file_content('/etc/mosquitto/mosquitto.conf') }
  let(:acl) { file_content('/etc/mosquitto/acl') }
  let(:passwd) { file_content('/etc/mosquitto/passwd') }

  context 'with one publisher and defaults' do
    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_package('mosquitto').with_ensure('installed') }
    it { is_expected.to contain_service('mosquitto').with(ensure: 'running', enable: true) }

    it 'installs, then configures, then restarts on configuration changes' do
      is_expected.to contain_class('mosquitto::install').that_comes_before('Class[mosquitto::config]')
      is_expected.to contain_class('mosquitto::config').that_notifies('Class[mosquitto::service]')
    end

    it 'writes a mosquitto 2.0 configuration: global auth, anonymous allowed, no pid_file' do
      expect(conf).to match(%r{^per_listener_settings false$})
      expect(conf).to match(%r{^allow_anonymous true$})
      expect(conf).to match(%r{^password_file /etc/mosquitto/passwd$})
      expect(conf).to match(%r{^acl_file /etc/mosquitto/acl$})
      expect(conf).not_to match(%r{^\s*pid_file})
      expect(conf).not_to match(%r{^user })
      expect(conf).to match(%r{^persistence true$})
      expect(conf).to match(%r{^persistence_location /var/lib/mosquitto/$})
      expect(conf).to match(%r{^log_dest syslog$})
    end

    it 'listens for MQTT on 1883 on every address and for websockets on 80, without TLS' do
      expect(conf).to match(%r{^listener 1883\nprotocol mqtt$})
      expect(conf).to match(%r{^listener 80\nprotocol websockets$})
      expect(conf).not_to match(%r{8883|8080|certfile|keyfile})
    end

    it 'bounds what a slow or vanished subscriber can cost: per-client queues, session expiry, connections' do
      expect(conf).to match(%r{^max_queued_messages 1000$})
      expect(conf).to match(%r{^max_queued_bytes 4194304$})
      expect(conf).to match(%r{^persistent_client_expiration 1d$})
      expect(conf).to match(%r{^set_tcp_nodelay true$})
      # max_connections is a listener option in mosquitto 2.0: one after each listener.
      expect(conf.scan(%r{^listener \d+.*\nprotocol \w+\nmax_connections 10000$}).length).to eq(2)
    end

    it 'raises the open-file limit of the service in a systemd drop-in that restarts the broker' do
      is_expected.to contain_file('/etc/systemd/system/mosquitto.service.d').with_ensure('directory')
      is_expected.to contain_file('/etc/systemd/system/mosquitto.service.d/limits.conf')
        .with_content(%r{^\[Service\]\nLimitNOFILE=65536$})
        .that_notifies('Service[mosquitto]')
    end

    it 'lets anonymous clients read everything, $SYS included, and the publisher write' do
      expect(acl).to match(%r{\A(#[^\n]*\n)*topic read #\ntopic read \$SYS/#\n})
      expect(acl).to match(%r{^user germqtt\ntopic readwrite #$})
      expect(acl.scan(%r{^topic write|^topic readwrite}).length).to eq(1)
    end

    it 'lets sessions restored after a broker restart receive before their clients reconnect' do
      expect(acl).to match(%r{^pattern read #\n\z})
      expect(acl.scan(%r{^pattern }).length).to eq(1)
    end

    it 'writes the password file as Sensitive, hidden from diffs, readable by the broker group' do
      is_expected.to contain_file('/etc/mosquitto/passwd').with(
        owner: 'root', group: 'mosquitto', mode: '0640', show_diff: false, backup: false,
      )
      expect(catalogue.resource('File', '/etc/mosquitto/passwd').sensitive_parameters).to include(:content)
      %w[/etc/mosquitto/mosquitto.conf /etc/mosquitto/acl].each do |f|
        is_expected.to contain_file(f).with(owner: 'root', group: 'mosquitto', mode: '0640')
      end
    end

    it 'hashes the password as mosquitto 2.0 does ($7$, PBKDF2-SHA512, 101 rounds), never in clear' do
      expect(passwd).not_to include('s3cret-firehose')
      m = passwd.match(%r{\Agermqtt:\$7\$101\$([A-Za-z0-9+/=]{16})\$([A-Za-z0-9+/=]{88})\n\z})
      expect(m).not_to be_nil, passwd
      salt = Base64.strict_decode64(m[1])
      expect(salt.bytesize).to eq(12)
      expected = OpenSSL::PKCS5.pbkdf2_hmac('s3cret-firehose', salt, 101, 64, 'sha512')
      expect(Base64.strict_decode64(m[2])).to eq(expected)
    end
  end

  context 'with a plain-string password' do
    let(:params) { { publishers: { 'germqtt' => { 'password' => 's3cret-firehose' } } } }

    it { is_expected.to compile.and_raise_error(%r{Sensitive}) }
  end

  context 'without publishers' do
    let(:params) { { publishers: {} } }

    it { is_expected.to compile.and_raise_error(%r{publishers}) }
  end

  context 'with an out-of-range port' do
    let(:params) { super().merge(port: 99_999) }

    it { is_expected.to compile.and_raise_error(%r{Stdlib::Port}) }
  end

  context 'with several publishers, topics and a bind address' do
    let(:params) do
      {
        publishers: {
          'germqtt' => { 'password' => sensitive('one'), 'topics' => ['gerrit/#'] },
          'ci' => { 'password' => sensitive('two'), 'topics' => ['zuul/#', 'nodepool/+/status'] },
        },
        listen_address: '192.0.2.10',
        websockets_port: 9001,
      }
    end

    it 'gives each publisher write access to its own topics only' do
      expect(acl).to match(%r{^user germqtt\ntopic readwrite gerrit/#\n})
      expect(acl).to match(%r{^user ci\ntopic readwrite zuul/#\ntopic readwrite nodepool/\+/status\n})
      expect(acl).not_to match(%r{^topic readwrite #$})
    end

    it 'writes one password line per publisher, different salts for different users' do
      lines = passwd.lines
      expect(lines.map { |l| l.split(':').first }).to eq(%w[germqtt ci])
      expect(lines.map { |l| l.split('$')[3] }.uniq.length).to eq(2)
    end

    it 'binds the MQTT listener, not the websockets one (mosquitto 2.0 would ignore it)' do
      expect(conf).to match(%r{^listener 1883 192\.0\.2\.10$})
      expect(conf).to match(%r{^listener 9001\nprotocol websockets$})
    end
  end

  context 'with TLS' do
    let(:params) do
      super().merge(
        tls_ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
        tls_cert: "-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n",
        tls_key: sensitive("-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"),
      )
    end

    it { is_expected.to compile.with_all_deps }

    it 'adds an MQTT TLS listener on 8883 and secure websockets on 8080' do
      expect(conf).to match(%r{^listener 8883\nprotocol mqtt\nmax_connections 10000\ncafile /etc/mosquitto/certs/ca\.crt\ncertfile /etc/mosquitto/certs/server\.crt\nkeyfile /etc/mosquitto/certs/server\.key\n})
      expect(conf).to match(%r{^listener 8080\nprotocol websockets\nmax_connections 10000\ncafile })
    end

    it 'writes the key Sensitive and readable by the broker group only' do
      is_expected.to contain_file('/etc/mosquitto/certs').with_ensure('directory')
      is_expected.to contain_file('/etc/mosquitto/certs/server.key').with(
        owner: 'root', group: 'mosquitto', mode: '0640', show_diff: false, backup: false,
      )
      expect(catalogue.resource('File', '/etc/mosquitto/certs/server.key').sensitive_parameters).to include(:content)
      is_expected.to contain_file('/etc/mosquitto/certs/server.crt').with_mode('0644')
    end
  end

  context 'without serve_page (the default)' do
    it 'serves no page' do
      expect(conf).not_to match(%r{http_dir})
      is_expected.not_to contain_file('/var/www/mosquitto')
    end
  end

  context 'with the live event page' do
    let(:params) { super().merge(serve_page: true) }

    it { is_expected.to compile.with_all_deps }

    it 'copies the page from the module, world-readable, removing files the module no longer has' do
      is_expected.to contain_file('/var/www/mosquitto').with(
        ensure: 'directory', source: 'puppet:///modules/mosquitto/www', recurse: true, purge: true,
        owner: 'root', mode: '0644',
      )
    end

    it 'serves it from the websockets listener' do
      expect(conf).to match(%r{^listener 80\nprotocol websockets\nhttp_dir /var/www/mosquitto$})
      expect(conf.scan(%r{^http_dir }).length).to eq(1)
    end

    context 'with TLS and another directory' do
      let(:params) do
        super().merge(
          page_dir: '/srv/firehose',
          tls_cert: "-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n",
          tls_key: sensitive("-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"),
        )
      end

      it 'serves it from the secure websockets listener too' do
        expect(conf).to match(%r{^listener 8080\nprotocol websockets\nhttp_dir /srv/firehose\nmax_connections 10000\ncertfile })
        expect(conf.scan(%r{^http_dir /srv/firehose$}).length).to eq(2)
        is_expected.to contain_file('/srv/firehose').with_source('puppet:///modules/mosquitto/www')
      end
    end
  end

  context 'with the firehose limits changed or turned off' do
    let(:params) do
      super().merge(
        max_queued_messages: 0, max_queued_bytes: 0, persistent_client_expiration: 'never',
        max_connections: -1, set_tcp_nodelay: false, limit_nofile: 0
      )
    end

    it 'writes mosquitto defaults and leaves the unit alone' do
      expect(conf).to match(%r{^max_queued_messages 0$})
      expect(conf).to match(%r{^max_queued_bytes 0$})
      expect(conf).not_to match(%r{persistent_client_expiration})
      expect(conf).to match(%r{^max_connections -1$})
      expect(conf).to match(%r{^set_tcp_nodelay false$})
      is_expected.not_to contain_file('/etc/systemd/system/mosquitto.service.d/limits.conf')
    end
  end

  context 'with a session expiry that mosquitto would not parse' do
    let(:params) { super().merge(persistent_client_expiration: '2 days') }

    it { is_expected.to compile.and_raise_error(%r{persistent_client_expiration}) }
  end

  context 'with a certificate but no key' do
    let(:params) { super().merge(tls_cert: 'PEM') }

    it { is_expected.to compile.and_raise_error(%r{tls_cert and tls_key}) }
  end

  context 'with package and service management off, a file log and test paths' do
    let(:params) do
      super().merge(
        manage_package: false, manage_service: false, group: 'root', run_as_user: 'root',
        log_dest: 'file', log_file: '/tmp/x/mosquitto.log', persistence: false,
        config_file: '/tmp/x/mosquitto.conf'
      )
    end

    it { is_expected.not_to contain_package('mosquitto') }
    it { is_expected.not_to contain_service('mosquitto') }
    it { is_expected.not_to contain_file('/etc/systemd/system/mosquitto.service.d/limits.conf') }

    it 'writes what the test broker needs' do
      conf = file_content('/tmp/x/mosquitto.conf')
      expect(conf).to match(%r{^log_dest file /tmp/x/mosquitto\.log$})
      expect(conf).to match(%r{^user root$})
      expect(conf).to match(%r{^persistence false$})
      expect(conf).not_to match(%r{persistence_location})
    end
  end
end
