import type { ZegoProduct } from '../envelope.js'

/**
 * ZEGO's own documentation examples of the other products' callbacks, by product and by the event
 * name the receiver reports (`'cloud_recording:1'` for a product that sends a code), used as
 * templates by `createCallback`.
 *
 * Note: their timestamps are in each product's own unit (AI Agent: milliseconds) and their
 * signatures are placeholders: `createCallback` re-stamps and re-signs them.
 */
export const productExamples = {
  zim: {
    room_create: {
      appid: '1',
      event: 'room_create',
      room_id: '1',
      nonce: '350176',
      signature: 'signature',
      operator_account: 'userA',
      room_name: 'room_name',
      attributes: [
        { key: 'UserSet1', value: 'UserGet1', auto_delete: 0 },
        { key: 'UserSet2', value: 'UserGet2', auto_delete: 0 },
      ],
      timestamp: 1499676978,
    },
    before_send_msg: {
      appid: '1',
      event: 'before_send_msg',
      from_user_id: 'sender',
      conv_id: 'receiver',
      request_id: '3501907290370176',
      msg_id: '1234232421343',
      conv_type: 0,
      timestamp: 1499676968,
      msg_body: 'msg_body',
      msg_type: 1,
      signature: 'abc',
      nonce: '321',
      sub_msg_type: 0,
      payload: 'payload',
    },
  },
  ai_agent: {
    AgentInstanceCreated: {
      AppId: 1234567,
      AgentInstanceId: '1912124734317838336',
      AgentUserId: 'agent_user_1',
      RoomId: 'room_1',
      Sequence: 1234567890,
      Data: { CreatedTimestamp: 1745502312982 },
      Event: 'AgentInstanceCreated',
      Nonce: '7450395512627324902',
      Signature: 'fd9c1ce54e85bd92f48b0a805e82a52b0c0c6445',
      Timestamp: 1745502313000,
    },
  },
  cloud_recording: {
    'cloud_recording:1': {
      app_id: 1234567890,
      detail: {
        file_info: [
          {
            begin_timestamp: 1637753762084,
            duration: 170039,
            file_id: 'YZ4joOE4IwmFAAAT_6677_800221_800221_VA_20211124113602084.mp4',
            file_size: 25349026,
            file_url: 'file_url',
            media_track_type: 3,
            output_file_format: 'mp4',
            resolution_height: 720,
            resolution_width: 1280,
            status: 3,
            stream_id: '800221',
            user_id: '800221',
            user_name: 'play_800221',
            video_id: '',
          },
        ],
        upload_status: 1,
      },
      event_type: 1,
      message: '',
      nonce: '100480',
      room_id: '6677',
      sequence: 1,
      signature: '12345678987654321',
      task_id: 'YZ4joOE4IwmFAAAT',
      timestamp: '1637753949',
    },
  },
  cloud_player: {
    'cloud_player:1': {
      AppID: 123456789,
      RoomId: 'room_12',
      PlayerId: 'XXXXXX',
      PlayerName: 'XXXXXX',
      EventType: 1,
      Nonce: 'abcdd22113',
      Timestamp: '1681221510',
      Signature: 'XXXXXXX',
      EventTime: 1681221510034,
      Detail: {
        CreateTime: 1681221508,
        PlayTime: 1681221508,
        MaxIdleTime: 30,
        StreamUrl: 'https://xxx.com/video/test.mp4',
      },
    },
  },
} as const satisfies Partial<Record<ZegoProduct, Record<string, object>>>
