"""Official test vectors (PLATFORMS.md §1.7, §4.4), shared by the edge tests."""

# sbzhu/weworkapi_python, callback/Sample.py at commit 27220fb.
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"

GET_SIG = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
GET_TS = "1476416373"
GET_NONCE = "47744683"
GET_ECHOSTR = ("fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq"
               "6SVHyA==")
GET_PLAIN = "1288432023552776189"

POST_SIG = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
POST_TS = "1476422779"
POST_NONCE = "1597212914"
POST_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3J"
    "WcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQH"
    "E7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuP"
    "DGOCI8jmnKiypE+")
POST_BODY = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>\n<Encrypt><![CDATA["
             f"{POST_ENCRYPT}]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>")
POST_PLAIN = ("<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun"
              "</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType>"
              "<Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>")

# DingCallbackCrypto3.py __main__ (open-dingtalk/DingTalk-Callback-Crypto), PLATFORMS §4.4.
V_TOKEN = "mryue"
V_AES_KEY = "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7"
V_KEY = "ding6ccabc44d2c8d38b"
V_SIG = "03044561471240d4a14bb09372dfcfd4fd0e40cb"
V_TS = "1608001896814"
V_NONCE = "WL4PK6yA"
V_ENCRYPT = ("0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmB"
             "KyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3")
